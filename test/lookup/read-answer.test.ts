import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ANSWER_DEPTH } from '../../shared/lookup/lookup-types';
import { exceedsDepth, readAnswer } from '../../shared/lookup/read-answer';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('readAnswer', () => {
  it('reads any JSON value, in UTF-8', () => {
    assert.deepEqual(readAnswer(bytes('{"name":"张三","n":[1,2]}')), {
      kind: 'ok',
      data: { name: '张三', n: [1, 2] },
    });
    for (const text of ['"text"', '12.5', 'null', 'true', ' [ ] ']) {
      assert.equal(readAnswer(bytes(text)).kind, 'ok', text);
    }
  });

  it('refuses an empty body, text that is not JSON, and bytes that are not UTF-8', () => {
    const notJson = { kind: 'refused', why: 'not-json' };
    assert.deepEqual(readAnswer(bytes('')), notJson);
    assert.deepEqual(readAnswer(bytes('  \n')), notJson);
    assert.deepEqual(readAnswer(bytes('<html></html>')), notJson);
    assert.deepEqual(readAnswer(bytes('{"a":1')), notJson);
    assert.deepEqual(readAnswer(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d])), notJson);
  });

  it(`reads ${MAX_ANSWER_DEPTH} levels of nesting and refuses one more`, () => {
    assert.equal(readAnswer(bytes(nested(MAX_ANSWER_DEPTH))).kind, 'ok');
    assert.deepEqual(readAnswer(bytes(nested(MAX_ANSWER_DEPTH + 1))), { kind: 'refused', why: 'too-deep' });
  });

  it('refuses 100,000 nested arrays without parsing them (the stack is never at risk)', () => {
    assert.deepEqual(readAnswer(bytes(nested(100_000))), { kind: 'refused', why: 'too-deep' });
    assert.deepEqual(readAnswer(bytes('{"a":'.repeat(100_000))), { kind: 'refused', why: 'too-deep' });
  });
});

describe('exceedsDepth', () => {
  it('counts arrays and objects inside each other, a bare value as 0', () => {
    assert.equal(exceedsDepth('1', 0), false);
    assert.equal(exceedsDepth('[1]', 0), true);
    assert.equal(exceedsDepth('[1]', 1), false);
    assert.equal(exceedsDepth('{"a":[{"b":[]}]}', 3), true);
    assert.equal(exceedsDepth('{"a":[{"b":[]}]}', 4), false);
    assert.equal(exceedsDepth('[[]],[[]],[[]]', 2), false, 'siblings do not add up');
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(exceedsDepth('["[[[[", "{{{{"]', 1), false);
    assert.equal(exceedsDepth(String.raw`["a\"[[[[", "\\"]`, 1), false);
    assert.equal(
      exceedsDepth(String.raw`["\\", [[]]]`, 2),
      true,
      'an escaped backslash ends before the quote',
    );
  });
});
