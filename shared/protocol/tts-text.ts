/**
 * Characters the platform forbids in variable values (`@ = : " $ { } ^ * ¥`). Where a character has a
 * spoken meaning on a phone line it is replaced by a safe equivalent, so "请按*号键" still reads well.
 */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '*': '星',
  ':': '：',
  '"': '”',
  '=': '等于',
  '@': ' ',
  $: '',
  '{': '（',
  '}': '）',
  '^': '',
  '¥': '',
};

const FORBIDDEN = /[@=:"${}^*¥]/g;
// Control characters (and the line/paragraph separators JSON tolerates but TTS engines may not).
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const CONTROL = /[\u0000-\u001F\u007F\u2028\u2029]+/g;

/** Longest TTS text sent in one variable; longer prompts are cut at a sentence end when possible. */
export const MAX_TTS_CHARS = 500;

/** Returns true when `text` contains a character the platform forbids in TTS variable values. */
export function hasForbiddenTtsCharacter(text: string): boolean {
  return /[@=:"${}^*¥]/.test(text);
}

/**
 * Makes text safe to send as a TTS variable value: forbidden characters replaced or removed, control
 * characters turned into spaces, runs of white space folded, length capped at {@link MAX_TTS_CHARS}.
 */
export function cleanTtsText(text: string): string {
  const cleaned = text
    .replace(CONTROL, ' ')
    .replace(FORBIDDEN, (ch) => REPLACEMENTS[ch] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.length <= MAX_TTS_CHARS) return cleaned;
  const cut = cleaned.slice(0, MAX_TTS_CHARS);
  const sentenceEnd = Math.max(
    cut.lastIndexOf('。'),
    cut.lastIndexOf('！'),
    cut.lastIndexOf('？'),
    cut.lastIndexOf('.'),
  );
  return sentenceEnd > MAX_TTS_CHARS / 2 ? cut.slice(0, sentenceEnd + 1) : cut;
}
