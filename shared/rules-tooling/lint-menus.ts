import type { Handler, Intent, MenuNode } from '../rules/rules-schema';
import { normaliseSpeech } from '../text/normalise-speech';
import type { Findings } from './lint-context';

/**
 * The menu checks: input a node can never hear (keywords shadowed by earlier ones, patterns normalised
 * speech never matches) and intent excludes that can never act as written.
 */

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
  const earlier: Tried[] = [];
  for (const [i, intent] of (node.intents ?? []).entries()) {
    const mine: Tried = {
      name: intent.name ?? String(i),
      goto: intent.goto,
      keywords: [],
      excludes: lintExcludes(`${path}.intents.${i}`, intent, earlier, findings),
    };
    for (const [j, keyword] of (intent.keywords ?? []).entries()) {
      const keywordPath = `${path}.intents.${i}.keywords.${j}`;
      const normalised = normaliseSpeech(keyword);
      if (normalised === '') {
        findings.warnings.push({
          path: keywordPath,
          message: `"${keyword}" is only punctuation or spaces, which speech normalisation removes, so it never matches; remove it`,
        });
        continue;
      }
      lintKeyword(keywordPath, keyword, normalised, mine, earlier, findings);
      mine.keywords.push(normalised);
    }
    lintPatterns(`${path}.intents.${i}`, intent.patterns, findings);
    earlier.push(mine);
  }
}

/**
 * The intents of a menu that asks the language model, as the model sees them: an intent without a name
 * is offered as its position (`0`, `1`), and one without a description or examples only by its keywords,
 * which are what failed to match already. Either way the model can hardly tell it from the others.
 */
export function lintClassifierChoices(path: string, node: MenuNode, findings: Findings): void {
  for (const [i, intent] of (node.intents ?? []).entries()) {
    const missing = [
      ...(intent.name === undefined ? ['a name'] : []),
      ...(intent.description === undefined && intent.examples === undefined
        ? ['a description or examples']
        : []),
    ];
    if (missing.length === 0) continue;
    findings.warnings.push({
      path: `${path}.intents.${i}`,
      message:
        `this menu asks the language model (classifier), which reads an intent's name, description and examples: ` +
        `give intent ${intent.name ?? i} ${missing.join(' and ')}, or it can hardly tell it from the others`,
    });
  }
}

/**
 * What a handler matches on, checked as speech is heard: keywords and excludes that normalisation empties
 * never match (nor void a match), and pattern literals normalised words never contain. (A menu's intents
 * get these checks and more in {@link lintMenu}.)
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
  lintPatterns(path, phrases.patterns, findings);
}

/** Patterns with literals normalised words never contain. */
function lintPatterns(path: string, patterns: readonly string[] | undefined, findings: Findings): void {
  for (const [j, pattern] of (patterns ?? []).entries()) {
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

/** An intent of a menu as the checks of the later ones see it: its name, target and normalised phrases. */
type Tried = {
  readonly name: string;
  readonly goto: string;
  readonly keywords: string[];
  readonly excludes: readonly string[];
};

/**
 * A keyword against the intents tried before its own. Intents are tried in order and a keyword matches
 * anywhere in the words, so an earlier keyword inside this one wins first, unless that earlier intent
 * excludes a phrase this keyword contains (then it is voided whenever this keyword is heard, and the next
 * intents are tried). Shadowing by an intent going to the same node changes nothing. The other order (the
 * longer keyword tried first, `不要人工` before `人工`) needs nothing: the longer keyword wins, as meant.
 * Nor does a keyword its own intent voids by an exclude ({@link lintExcludes} says so).
 */
function lintKeyword(
  keywordPath: string,
  keyword: string,
  normalised: string,
  mine: Tried,
  earlier: readonly Tried[],
  findings: Findings,
): void {
  if (mine.excludes.some((exclude) => normalised.includes(exclude))) return;
  for (const other of earlier) {
    if (other.goto === mine.goto) continue;
    if (other.excludes.some((exclude) => normalised.includes(exclude))) continue;
    const shadow = other.keywords.find((k) => normalised.includes(k));
    if (shadow === undefined) continue;
    findings.warnings.push({
      path: keywordPath,
      message:
        `"${keyword}" contains "${shadow}" of intent ${other.name}, which is tried first, so this keyword never ` +
        `leads to ${mine.goto}; add "${normalised}" to the excludes of intent ${other.name}, or move this intent ` +
        `before intent ${other.name}`,
    });
    return;
  }
}

/**
 * The excludes of one intent, normalised, with a warning for each that can never act as written: one that
 * normalisation empties; one inside a keyword of the intent (every match of that keyword is voided); one
 * that contains another of its excludes (that one voids first); one that contains a keyword of an earlier
 * intent that has no excludes (words with it always match that intent first, so this intent is never tried
 * on them). An exclude elsewhere in the words than the keyword is fine: `不要` beside `人工` voids
 * `人工不要了`, `不要转人工` and `我不要人工` alike.
 */
function lintExcludes(
  intentPath: string,
  intent: Intent,
  earlier: readonly Tried[],
  findings: Findings,
): string[] {
  const kept: string[] = [];
  const name = intent.name === undefined ? 'this intent' : `intent ${intent.name}`;
  const keywords = (intent.keywords ?? []).map(normaliseSpeech).filter((k) => k !== '');
  const normalised = (intent.excludes ?? []).map(normaliseSpeech);
  for (const [j, exclude] of (intent.excludes ?? []).entries()) {
    const warn = (message: string) =>
      findings.warnings.push({ path: `${intentPath}.excludes.${j}`, message });
    const phrase = normalised[j] ?? '';
    if (phrase === '') {
      warn(
        `"${exclude}" is only punctuation or spaces, which speech normalisation removes, so it never voids ` +
          `${name}; remove it`,
      );
      continue;
    }
    kept.push(phrase);
    const keyword = keywords.find((k) => k.includes(phrase));
    if (keyword !== undefined) {
      warn(
        `"${exclude}" is part of the keyword "${keyword}" of ${name}, so every match of that keyword is voided ` +
          `and it never leads to ${intent.goto}; write the longer phrase to exclude (such as "不${keyword}"), ` +
          'or remove the keyword',
      );
      continue;
    }
    const covered = normalised.find(
      (other, k) => k !== j && other !== '' && phrase.includes(other) && (other !== phrase || k < j),
    );
    if (covered !== undefined) {
      warn(`"${exclude}" contains the exclude "${covered}" of ${name}, which voids it already; remove it`);
      continue;
    }
    const first = earlier.find((e) => e.excludes.length === 0 && e.keywords.some((k) => phrase.includes(k)));
    const firstKeyword = first?.keywords.find((k) => phrase.includes(k));
    if (first !== undefined && firstKeyword !== undefined) {
      warn(
        `"${exclude}" contains "${firstKeyword}" of intent ${first.name}, which is tried first: words with ` +
          `"${phrase}" lead to ${first.goto} before ${name} is tried, so this exclude never acts; to keep them ` +
          `from ${first.goto}, add "${phrase}" to the excludes of intent ${first.name} instead`,
      );
    }
  }
  return kept;
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
