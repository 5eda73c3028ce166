import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findMisnamedContent,
  parseCallback,
  readContentObject,
} from '../../shared/protocol/callback-request';
import type { HttpRequest } from '../../shared/protocol/http';
import callin from '../fixtures/callbacks/callin.json';
import docSample from '../fixtures/callbacks/callin-doc-sample.json';
import normal from '../fixtures/callbacks/normal.json';

function request(parts: Partial<HttpRequest>): HttpRequest {
  const body = parts.body ?? '';
  return {
    method: 'POST',
    path: '/inbound',
    query: {},
    headers: {},
    body,
    bodyBytes: Buffer.byteLength(body),
    ...parts,
  };
}

const asForm = (params: Record<string, string>) =>
  request({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
const asJson = (params: Record<string, unknown>) =>
  request({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
const asQuery = (params: Record<string, string>) => request({ query: params });

describe('parseCallback', () => {
  for (const [encoding, make] of [
    ['query string', asQuery],
    ['urlencoded body', asForm],
    ['JSON body', asJson],
  ] as const) {
    it(`reads the real callin sample from a ${encoding}`, () => {
      const parsed = parseCallback(make(callin));
      assert.ok(parsed.ok);
      assert.equal(parsed.event.type, 'callin');
      assert.equal(parsed.event.callId, '130301340124^117079730123');
      assert.equal(parsed.event.timestamp, 1659885709366);
      assert.deepEqual(parsed.event.content, {
        caller: '15201030105',
        callee: '05923391657',
        partnerId: '100000160776001',
      });
    });

    it(`reads the real normal sample from a ${encoding}, turning strings into numbers and booleans`, () => {
      const parsed = parseCallback(make(normal));
      assert.ok(parsed.ok && parsed.event.type === 'normal');
      assert.equal(parsed.event.content.words, '好，这个这个有问题，真的。');
      assert.equal(parsed.event.content.is_playing, false);
      assert.equal(parsed.event.content.begin_offset, 18450);
      assert.equal(parsed.event.content.begin_time, 1659885710);
      assert.equal(parsed.event.content.play_end_time, 1659885709377);
    });
  }

  it('says where the parameters came from: the query string, a form body or a JSON body', () => {
    const encodings = [asQuery(callin), asForm(callin), asJson(callin)].map((made) => {
      const parsed = parseCallback(made);
      return parsed.ok ? parsed.event.encoding : parsed.message;
    });
    assert.deepEqual(encodings, ['query', 'form', 'json']);
  });

  it('decodes %5E in an urlencoded call_id, in the captured field order', () => {
    const body = `content_type=callin&content=${encodeURIComponent(callin.content)}&call_id=130301340124%5E117079730123&timestamp=1659885709366`;
    const parsed = parseCallback(
      request({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.event.callId, '130301340124^117079730123');
  });

  it('reads the documentation sample with curly quotes and a key with a leading space', () => {
    const parsed = parseCallback(asForm(docSample));
    assert.ok(parsed.ok && parsed.event.type === 'callin');
    assert.equal(parsed.event.contentOk, true);
    assert.equal(parsed.event.content.callee, '05923391657');
  });

  it('lets body values win over query values', () => {
    const parsed = parseCallback(
      request({
        query: { call_id: '1^1', content_type: 'mute', content: '{}' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'call_id=2%5E2',
      }),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.event.callId, '2^2');
    assert.equal(parsed.event.type, 'mute');
  });

  it('accepts content given as a JSON object and trims stray spaces in parameter names', () => {
    const parsed = parseCallback(
      asJson({ ' call_id': '1^2', content_type: 'dtmf', content: { dtmf_digits: 12 } }),
    );
    assert.ok(parsed.ok && parsed.event.type === 'dtmf');
    assert.equal(parsed.event.content.dtmf_digits, '12');
  });

  it('keeps a callback whose content is unreadable, marked as such, with default content', () => {
    const parsed = parseCallback(asForm({ call_id: '1^2', content_type: 'callin', content: '{not json' }));
    assert.ok(parsed.ok && parsed.event.type === 'callin');
    assert.equal(parsed.event.contentOk, false);
    assert.equal(parsed.event.content.callee, undefined);
  });

  it('drops a field of the wrong shape instead of failing the event', () => {
    const parsed = parseCallback(
      asForm({
        call_id: '1^2',
        content_type: 'normal',
        content: '{"words":"人工","is_playing":"maybe","begin_offset":"x"}',
      }),
    );
    assert.ok(parsed.ok && parsed.event.type === 'normal');
    assert.equal(parsed.event.content.words, '人工');
    assert.equal(parsed.event.content.is_playing, undefined);
    assert.equal(parsed.event.content.begin_offset, undefined);
  });

  it('passes an unknown content_type through as unknown', () => {
    const parsed = parseCallback(asForm({ call_id: '1^2', content_type: 'hangup_notice', content: '{}' }));
    assert.ok(parsed.ok);
    assert.equal(parsed.event.type, 'unknown');
  });

  it('refuses a request without call_id, naming the problem', () => {
    const parsed = parseCallback(asForm({ content_type: 'callin', content: '{}' }));
    assert.deepEqual(parsed, { ok: false, status: 400, message: 'not a VMS callback: call_id is missing' });
  });

  it('refuses a request without content_type', () => {
    const parsed = parseCallback(asForm({ call_id: '1^2' }));
    assert.ok(!parsed.ok);
    assert.match(parsed.message, /content_type is missing/);
  });

  it('refuses a call_id with markup in it, without echoing it', () => {
    const parsed = parseCallback(asForm({ call_id: '<script>alert(1)</script>', content_type: 'callin' }));
    assert.ok(!parsed.ok);
    assert.doesNotMatch(parsed.message, /script/);
  });

  it('refuses a body that is neither JSON nor a form', () => {
    const parsed = parseCallback(request({ body: 'hello world' }));
    assert.ok(!parsed.ok);
    assert.match(parsed.message, /neither JSON nor form/);
  });

  it('refuses a JSON body that is not an object', () => {
    const parsed = parseCallback(request({ headers: { 'content-type': 'application/json' }, body: '[1,2]' }));
    assert.ok(!parsed.ok);
  });
});

describe('findMisnamedContent', () => {
  it('names the missing words and the keys sent instead when an utterance comes as text', () => {
    const parsed = parseCallback(
      asForm({ call_id: '1^2', content_type: 'normal', content: '{"text":"转人工","asr":"转人工"}' }),
    );
    assert.ok(parsed.ok && parsed.event.type === 'normal');
    assert.equal(parsed.event.content.words, '');
    assert.deepEqual(parsed.event.misnamed, { expected: ['words'], unknown: ['text', 'asr'], more: 0 });
  });

  it('names a field spelt another way even when it is not what the event is about', () => {
    assert.deepEqual(findMisnamedContent('mute', { DynamicId: '2.abc' }), {
      expected: ['dynamic_id'],
      unknown: ['DynamicId'],
      more: 0,
    });
    assert.deepEqual(findMisnamedContent('dtmf', { dtmfDigits: '1', dynamic_id: '2.abc' })?.expected, [
      'dtmf_digits',
    ]);
  });

  it('says nothing of the real samples, of extra keys beside the expected ones, or of an empty content', () => {
    for (const sample of [callin, normal, docSample]) {
      const parsed = parseCallback(asForm(sample));
      assert.ok(parsed.ok);
      assert.equal(parsed.event.misnamed, undefined);
    }
    assert.equal(findMisnamedContent('normal', { words: '人工', partnerId: '1', extra: 'x' }), undefined);
    assert.equal(findMisnamedContent('mute', { partnerId: '1' }), undefined);
    assert.equal(findMisnamedContent('normal', {}), undefined);
  });

  it('reports at most five keys, each cut to 40 characters, and counts the rest', () => {
    const content = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`${'k'.repeat(60)}${i}`, 'x'] as const),
    );
    const found = findMisnamedContent('normal', content);
    assert.equal(found?.unknown.length, 5);
    assert.ok(found?.unknown.every((key) => key.length === 40));
    assert.equal(found?.more, 3);
  });
});

describe('readContentObject', () => {
  it('ignores keys that would reach the prototype', () => {
    const content = readContentObject('{"__proto__":{"dynamic_id":"x"}," constructor":1,"words":"hi"}');
    assert.deepEqual(content, { words: 'hi' });
    assert.equal(Object.getPrototypeOf(content), Object.prototype);
  });

  it('returns undefined for arrays, numbers and broken JSON', () => {
    assert.equal(readContentObject('[1]'), undefined);
    assert.equal(readContentObject('42'), undefined);
    assert.equal(readContentObject('{"a":'), undefined);
  });

  it('keeps curly quotes inside values when the JSON was already valid', () => {
    assert.deepEqual(readContentObject('{"words":"他说“人工”"}'), { words: '他说“人工”' });
  });
});
