import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeObjectPath,
  formatOssUrl,
  normaliseOssRegion,
  objectUrl,
  parseOssUrl,
  regionEndpoint,
} from '../../shared/oss/oss-address';

describe('OSS addresses', () => {
  it('reads oss://bucket/key and writes it back', () => {
    const address = parseOssUrl('oss://vms-rules/rules/hotline 1.json');
    assert.deepEqual(address, { bucket: 'vms-rules', key: 'rules/hotline 1.json' });
    assert.equal(
      typeof address === 'string' ? address : formatOssUrl(address),
      'oss://vms-rules/rules/hotline 1.json',
    );
  });

  it('says what is wrong with anything else', () => {
    const cases: [string, RegExp][] = [
      ['https://vms-rules.oss-cn-hangzhou.aliyuncs.com/a.json', /an OSS location is oss:\/\/<bucket>\/<key>/],
      ['oss://vms-rules', /an OSS location is/],
      ['oss://Vms_Rules/a.json', /is not a bucket name/],
      ['oss://ab/a.json', /is not a bucket name/],
      ['oss://vms-rules/', /name an object/],
      ['oss://vms-rules/rules/', /name an object/],
      ['oss://vms-rules//a.json', /may not start with \//],
      ['oss://vms-rules/a\\b.json', /contain \\/],
      ['oss://vms-rules/rules/../other.json', /\.\. segments/],
      ['oss://vms-rules/rules/./a.json', /\.\. segments/],
      ['oss://vms-rules/rules//a.json', /empty/],
      ['oss://vms-rules/a\u0001.json', /control characters/],
      [`oss://vms-rules/${'键'.repeat(400)}`, /longer than 1023 bytes/],
    ];
    for (const [text, message] of cases) {
      const parsed = parseOssUrl(text);
      assert.equal(typeof parsed, 'string', text);
      assert.match(String(parsed), message, text);
    }
  });

  it('takes a region with or without oss-, and refuses what is not one', () => {
    assert.equal(normaliseOssRegion('cn-hangzhou'), 'cn-hangzhou');
    assert.equal(normaliseOssRegion(' oss-ap-southeast-1 '), 'ap-southeast-1');
    assert.equal(normaliseOssRegion('hangzhou'), undefined);
    assert.equal(normaliseOssRegion('cn-hangzhou.aliyuncs.com'), undefined);
  });

  it('uses the internal endpoint inside Alibaba Cloud, the public one outside', () => {
    assert.equal(regionEndpoint('cn-hangzhou', 'internal'), 'https://oss-cn-hangzhou-internal.aliyuncs.com');
    assert.equal(regionEndpoint('cn-hangzhou', 'public'), 'https://oss-cn-hangzhou.aliyuncs.com');
  });

  it('addresses objects virtual-hosted on OSS domains, path-style on an IP', () => {
    const address = { bucket: 'vms-rules', key: 'a b/中.json' };
    assert.equal(
      objectUrl('https://oss-cn-hangzhou-internal.aliyuncs.com', address).href,
      'https://vms-rules.oss-cn-hangzhou-internal.aliyuncs.com/a%20b/%E4%B8%AD.json',
    );
    assert.equal(
      objectUrl('http://127.0.0.1:9300', address).href,
      'http://127.0.0.1:9300/vms-rules/a%20b/%E4%B8%AD.json',
    );
    assert.equal(encodeObjectPath("a/b!'()*~.json"), 'a/b%21%27%28%29%2A~.json');
  });
});
