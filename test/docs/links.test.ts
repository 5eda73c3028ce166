/**
 * The README and docs/ hold together: every relative link names a file that exists, and every `#anchor` a
 * heading of its page, as GitHub makes anchors; every page is in the index; the README stays short.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/fc-event';
import { docPages, headingAnchors, pageLinks, readPage } from './markdown';

/** What is wrong with the links of `page` (its text `text`), one line each: page:line: target: why. */
export function brokenLinks(page: string, text: string, read: (page: string) => string = readPage): string[] {
  const problems: string[] = [];
  for (const { target, line } of pageLinks(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path = '', anchor] = target.split('#');
    const resolved = path === '' ? page : relative(ROOT, normalize(join(ROOT, dirname(page), path)));
    const where = `${page}:${line}: ${target}`;
    if (resolved.startsWith('..')) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    if (path !== '' && !existsSync(join(ROOT, resolved))) {
      problems.push(`${where}: no file ${resolved}`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md')) continue;
    const anchors = headingAnchors(resolved === page ? text : read(resolved));
    if (!anchors.has(anchor)) problems.push(`${where}: ${resolved} has no heading #${anchor}`);
  }
  return problems;
}

describe('links between the README and docs/', () => {
  it('name files that exist and headings that exist, in every page', () => {
    const problems = docPages().flatMap((page) => brokenLinks(page, readPage(page)));
    assert.deepEqual(problems, []);
  });

  it('are found broken when they are: a missing file, a missing anchor, a path out of the repository', () => {
    const text = [
      '# A page',
      '',
      '## Its `own` heading',
      '',
      'See [here](#its-own-heading), [there](rules.md#flows-and-nodes) and [the site](https://example.com).',
      'Broken: [a](nowhere.md), [b](#no-such-heading), [c](rules.md#no-such-heading), [d](../../x.md).',
      '',
      '```',
      '[inside a fence](ignored.md)',
      '```',
    ].join('\n');
    assert.deepEqual(brokenLinks('docs/page.md', text), [
      'docs/page.md:6: nowhere.md: no file docs/nowhere.md',
      'docs/page.md:6: #no-such-heading: docs/page.md has no heading #no-such-heading',
      'docs/page.md:6: rules.md#no-such-heading: docs/rules.md has no heading #no-such-heading',
      'docs/page.md:6: ../../x.md: points outside the repository',
    ]);
  });

  it('make anchors as GitHub does: code and punctuation dropped, repeats numbered', () => {
    const anchors = headingAnchors(
      '# Checking a deployment: `npm run deploy:verify`\n## Trying it\n## Trying it\n## `dynamic_id`: the state\n',
    );
    assert.deepEqual(
      [...anchors],
      ['checking-a-deployment-npm-run-deployverify', 'trying-it', 'trying-it-1', 'dynamic_id-the-state'],
    );
  });

  it('reach every page of docs/ from its index', () => {
    const index = readPage('docs/README.md');
    const linked = new Set(pageLinks(index).map(({ target }) => `docs/${target.split('#')[0]}`));
    const pages = docPages().filter((page) => page.startsWith('docs/') && page !== 'docs/README.md');
    assert.deepEqual(
      pages.filter((page) => !linked.has(page)),
      [],
      'add these pages to docs/README.md',
    );
  });

  it('are not sent to "the README" from the code, examples and s.yaml: the README keeps no reference', () => {
    const tracked = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs', '*.cjs', '*.yaml', '*.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((file) => file !== '' && !file.startsWith('test/docs/') && existsSync(join(ROOT, file)));
    const stale = tracked.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\bREADME\b(?!\.md)/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(stale, [], 'point these at the page of docs/ that now holds the section');
  });

  it('keep the README under 200 lines', () => {
    const lines = readPage('README.md').split('\n').length;
    assert.ok(lines < 200, `README.md has ${lines} lines: move the detail into docs/`);
  });
});
