/** Chinese numerals as ASR writes them for single digits; 幺 is how 1 is read out in phone numbers. */
const NUMERALS: Readonly<Record<string, string>> = {
  零: '0',
  〇: '0',
  一: '1',
  幺: '1',
  二: '2',
  两: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  八: '8',
  九: '9',
};

/**
 * Normalises recognised speech (and keywords, the same way) for matching: full-width to half-width
 * (NFKC), lower case, punctuation and spaces removed, single Chinese numerals to digits.
 */
export function normaliseSpeech(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\s]+/gu, (match) => (/^[*#]+$/.test(match) ? match : ''))
    .replace(/[零〇一幺二两三四五六七八九]/g, (ch) => NUMERALS[ch] ?? ch);
}

const SPOKEN_KEY = /^(?:我)?(?:按|摁|选|选择)?([0-9*#])(?:号键|号|键)?$/;

/**
 * Reads a menu key from normalised speech such as "1", "按1", "选2号", "星号" or "井号"; undefined when
 * the utterance is not just a key.
 */
export function readSpokenKey(normalised: string): string | undefined {
  const text = normalised.replace(/星号?/, '*').replace(/井号?/, '#');
  return SPOKEN_KEY.exec(text)?.[1];
}
