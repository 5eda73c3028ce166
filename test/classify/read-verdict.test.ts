import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readVerdict } from '../../shared/classify/read-verdict';

const OFFERED = new Set(['lostCard', 'balance']);
const completion = (content: string, usage?: object) => ({
  choices: [{ message: { role: 'assistant', content } }],
  ...(usage === undefined ? {} : { usage }),
});

describe('readVerdict', () => {
  it('reads the choice, the confidence and the tokens used', () => {
    assert.deepEqual(
      readVerdict(
        completion('{"choice":"lostCard","confidence":0.92}', { prompt_tokens: 300, completion_tokens: 11 }),
        OFFERED,
      ),
      { ok: true, choice: 'lostCard', confidence: 0.92, usage: { promptTokens: 300, completionTokens: 11 } },
    );
  });

  it('takes none, a fenced answer, a quoted or percentage confidence, and reads a negative one as 0 and refuses one past 100', () => {
    const read = (content: string) => readVerdict(completion(content), OFFERED);
    assert.deepEqual(read('{"choice":"none","confidence":1}'), { ok: true, choice: 'none', confidence: 1 });
    assert.deepEqual(read('```json\n{"choice":"balance","confidence":"0.8"}\n```'), {
      ok: true,
      choice: 'balance',
      confidence: 0.8,
    });
    assert.deepEqual(read('{"choice":"balance","confidence":85}'), {
      ok: true,
      choice: 'balance',
      confidence: 0.85,
    });
    assert.deepEqual(read('{"choice":"balance","confidence":-2}'), {
      ok: true,
      choice: 'balance',
      confidence: 0,
    });
    assert.deepEqual(read('{"choice":"balance","confidence":1000}'), { ok: false, why: 'unparseable' });
    assert.deepEqual(read('{"choice":"balance","confidence":1.5}'), { ok: false, why: 'unparseable' });
  });

  it('refuses prose, another shape, no choices, and a choice that was not offered', () => {
    const why = (body: unknown) => {
      const verdict = readVerdict(body, OFFERED);
      return verdict.ok ? 'ok' : verdict.why;
    };
    assert.equal(why(completion('好的，这位客户想要挂失。')), 'unparseable');
    assert.equal(why(completion('{"intent":"lostCard"}')), 'unparseable');
    assert.equal(why(completion('{"choice":"lostCard","confidence":"high"}')), 'unparseable');
    assert.equal(why({ choices: [] }), 'unparseable');
    assert.equal(why('not even an object'), 'unparseable');
    assert.equal(why(completion('{"choice":"transferToBoss","confidence":0.99}')), 'off-list');
  });
});
