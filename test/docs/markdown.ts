/**
 * What the docs tests read of Markdown: the README, SECURITY.md and every page under docs/, their headings as GitHub
 * makes anchors of them, their links, their fenced blocks, and the commands of a shell block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/fc-event';

/** The README, SECURITY.md and every page of docs/, relative to the project's root. */
export function docPages(): string[] {
  const pages = (readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name.split('\\').join('/')}`)
    .sort();
  return ['README.md', 'SECURITY.md', ...pages];
}

export function readPage(page: string): string {
  return readFileSync(join(ROOT, page), 'utf8');
}

/** The lines outside fenced code blocks, with the fences' contents blanked (line numbers kept). */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/**
 * The anchors GitHub gives a page's headings: the heading's text (a link's text, not its address) in
 * lower case, without what is not a letter, digit, `_`, `-` or space, spaces made `-`; a repeated one
 * gets `-1`, `-2`.
 */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6} (.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every link of a page outside code (fenced or inline), with its line. */
export function pageLinks(text: string): { readonly target: string; readonly line: number }[] {
  return proseLines(text).flatMap((line, index) =>
    [...line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({
      target: match[1] as string,
      line: index + 1,
    })),
  );
}

/** The contents of a page's fenced blocks of `language`, each with the line its fence opens on. */
export function fencedBlocks(
  text: string,
  language: string,
): { readonly body: string; readonly line: number }[] {
  const blocks: { body: string; line: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] as string).trim() !== `\`\`\`${language}`) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).trim().startsWith('```'); i++)
      body.push(lines[i] as string);
    blocks.push({ body: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** The contents of the fenced blocks that name no language (output, as a program prints it), in order. */
export function unlabelledBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('```')) open?.lines.push(line);
    else if (open === undefined) open = { language: line.slice(3), lines: [] };
    else {
      if (open.language === '') blocks.push(open.lines.join('\n'));
      open = undefined;
    }
  }
  return blocks;
}

/**
 * The commands of a shell block: continuation lines joined, comments dropped, `&&` split; each with the
 * line of the block (from 0) it starts on.
 */
export function shellCommands(body: string): { readonly offset: number; readonly text: string }[] {
  const commands: { offset: number; text: string }[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = (lines[i] as string).trim();
    while (text.endsWith('\\') && i + 1 < lines.length)
      text = `${text.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    text = stripComment(text);
    if (text === '') continue;
    for (const part of text.split(' && ')) commands.push({ offset: start, text: part.trim() });
  }
  return commands;
}

/** A command without its trailing `# comment` (a `#` inside quotes is kept). */
function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote !== '') {
      if (char === quote) quote = '';
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return text.slice(0, i).trim();
  }
  return text.trim();
}

/** Shell words: quotes removed, nothing expanded. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}
