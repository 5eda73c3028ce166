import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanTtsText, hasForbiddenTtsCharacter, MAX_TTS_CHARS } from '../../shared/protocol/tts-text';

describe('cleanTtsText', () => {
  it('leaves no character the platform forbids', () => {
    const cleaned = cleanTtsText('a@b=c:d"e$f{g}h^i*j¥k');
    assert.equal(hasForbiddenTtsCharacter(cleaned), false);
  });

  it('reads * as 星 so key instructions still make sense', () => {
    assert.equal(cleanTtsText('请按*号键返回'), '请按星号键返回');
  });

  it('turns control characters and runs of white space into one space', () => {
    assert.equal(cleanTtsText('  您好\n\t欢迎\u2028致电  '), '您好 欢迎 致电');
  });

  it('caps long text, cutting at a sentence end when there is one', () => {
    const sentence = '这是一句话。';
    const cleaned = cleanTtsText(sentence.repeat(200));
    assert.ok(cleaned.length <= MAX_TTS_CHARS);
    assert.ok(cleaned.endsWith('。'));
  });
});
