import type { Handler, MenuNode } from '../rules/rules-schema';
import { normaliseSpeech } from '../text/normalise-speech';
import type { Findings } from './lint-context';

/** The menu checks: input a node can never hear (keywords shadowed by earlier ones, patterns normalised speech never matches). */

export function lintMenu(path: string, node: MenuNode, findings: Findings): void {
  const hasKeys = Object.keys(node.keys ?? {}).length > 0;
  if (!hasKeys && (node.intents ?? []).length === 0) {
    findings.errors.push({
      path,
      message:
        'this menu has no keys and no intents, so nothing a caller says or presses leads anywhere and every ' +
        'call fails out of it through its retries; add keys or intents, or make it a say node',
    });
  }
  if (!hasKeys && node.keyTimeoutS !== undefined) {
    findings.warnings.push({
      path: `${path}.keyTimeoutS`,
      message:
        'this menu has no keys, so it never waits for one and keyTimeoutS has no effect; add keys or remove it',
    });
  }
  const earlier: { keyword: string; intent: string; goto: string }[] = [];
  for (const [i, intent] of (node.intents ?? []).entries()) {
    const mine: typeof earlier = [];
    for (const [j, keyword] of (intent.keywords ?? []).entries()) {
      const keywordPath = `${path}.intents.${i}.keywords.${j}`;
      const normalised = normaliseSpeech(keyword);
      if (normalised === '') continue;
      // Intents are tried in order and a keyword matches anywhere in the words, so an earlier keyword
      // inside this one always wins first. Shadowing by an intent going to the same node changes nothing.
      const shadow = earlier.find((e) => e.goto !== intent.goto && normalised.includes(e.keyword));
      if (shadow !== undefined) {
        findings.warnings.push({
          path: keywordPath,
          message:
            `"${keyword}" contains "${shadow.keyword}" of intent ${shadow.intent}, which is tried first, so this ` +
            `keyword never leads to ${intent.goto}; move this intent before intent ${shadow.intent} or change the keyword`,
        });
      }
      mine.push({ keyword: normalised, intent: intent.name ?? String(i), goto: intent.goto });
    }
    lintPhrases(`${path}.intents.${i}`, intent, findings);
    earlier.push(...mine);
  }
}

/**
 * What an intent or a handler matches on, checked as speech is heard: keywords and excludes that
 * normalisation empties never match (nor void a match), and pattern literals normalised words never contain.
 */
export function lintPhrases(
  path: string,
  phrases: Pick<Handler, 'keywords' | 'excludes' | 'patterns'>,
  findings: Findings,
): void {
  for (const field of ['keywords', 'excludes'] as const) {
    for (const [j, phrase] of (phrases[field] ?? []).entries()) {
      if (normaliseSpeech(phrase) !== '') continue;
      findings.warnings.push({
        path: `${path}.${field}.${j}`,
        message: `"${phrase}" is only punctuation or spaces, which speech normalisation removes, so it never ${field === 'keywords' ? 'matches' : 'voids a match'}; remove it`,
      });
    }
  }
  for (const [j, pattern] of (phrases.patterns ?? []).entries()) {
    const unheard = findUnheardLiterals(pattern);
    if (unheard.length === 0) continue;
    findings.warnings.push({
      path: `${path}.patterns.${j}`,
      message:
        `this pattern is tried on normalised words (lower case, half width, no punctuation or spaces, 一→1), ` +
        `which never contain ${unheard.map((ch) => `"${ch}"`).join(', ')}; ` +
        `write ${unheard.map((ch) => describeNormalised(ch)).join(', ')} instead`,
    });
  }
}

function describeNormalised(ch: string): string {
  const normalised = normaliseSpeech(ch);
  return normalised === '' ? `nothing for "${ch}"` : `"${normalised}" for "${ch}"`;
}

/**
 * The literal characters of a regular expression that normalised speech never contains (upper case,
 * full width, Chinese numerals, punctuation and spaces). Escapes such as `\d` or `\p{L}` and the regular
 * expression's own syntax are skipped; an escaped punctuation mark (`\?`) is a literal and is checked.
 */
function findUnheardLiterals(source: string): string[] {
  const found = new Set<string>();
  const check = (ch: string) => {
    if (normaliseSpeech(ch) !== ch) found.add(ch);
  };
  const chars = [...source];
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '\\') {
      const next = chars[i + 1] ?? '';
      if (/[pPk]/.test(next) && /[{<]/.test(chars[i + 2] ?? '')) {
        const close = chars[i + 2] === '{' ? '}' : '>';
        while (i < chars.length && chars[i] !== close) i++;
      } else if (next === 'u' && chars[i + 2] === '{') {
        while (i < chars.length && chars[i] !== '}') i++;
      } else if (/[A-Za-z0-9]/.test(next)) {
        // \d \w \s \b, \n, \uXXXX, \xXX, \cX, back references: their arguments are hex or letters, not heard.
        i += next === 'u' ? 5 : next === 'x' ? 3 : next === 'c' ? 2 : 1;
      } else {
        check(next);
        i++;
      }
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch !== '-' && !(ch === '^' && chars[i - 1] === '[')) check(ch);
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(' && chars[i + 1] === '?') {
      // (?: (?= (?! (?<= (?<! (?<name>
      i++;
      if (chars[i + 1] === '<' && chars[i + 2] !== '=' && chars[i + 2] !== '!') {
        while (i < chars.length && chars[i] !== '>') i++;
      } else {
        while (/[:=!<]/.test(chars[i + 1] ?? '')) i++;
      }
    } else if (ch === '{') {
      // With the `u` flag a brace is always a quantifier, `{2}` or `{2,5}`.
      while (i < chars.length && chars[i] !== '}') i++;
    } else if (!'^$.|?*+()]}'.includes(ch)) check(ch);
  }
  return [...found];
}
