import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../dev/fc-event';

/**
 * The layers of the code, lowest first (docs/design/architecture.md): a folder imports only from folders of a
 * lower layer, and from itself. Two folders of the same layer never import each other, so there is no
 * cycle between folders. A new folder must be placed here before its first import passes.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['shared/text', 'shared/clock', 'shared/schema'],
  ['shared/oss'],
  ['shared/protocol', 'shared/config', 'shared/calendar'],
  ['shared/log', 'shared/security', 'shared/state'],
  ['shared/fc', 'shared/rules'],
  ['shared/lookup'],
  ['shared/classify'],
  ['shared/flow'],
  ['shared/rules-tooling', 'shared/gate', 'shared/campaign', 'shared/analytics', 'shared/capacity'],
  ['shared/callback', 'shared/report'],
  ['functions', 'dev'],
  ['scripts'],
  ['test'],
];

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((folder) => [folder, rank] as const)));

/** The layer folder a file belongs to: `shared/<name>`, or the top folder. */
function folderOf(file: string): string {
  const parts = relative(ROOT, file).split('/');
  return parts[0] === 'shared' ? `shared/${parts[1]}` : (parts[0] ?? '');
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : listSources(path);
    return /\.(ts|cjs|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

/** Relative module specifiers a file imports, statically, dynamically or with require. */
function findImports(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) if (match[1] !== undefined) found.push(match[1]);
  return found;
}

const sources = ['shared', 'functions', 'scripts', 'dev', 'test'].flatMap((top) =>
  listSources(join(ROOT, top)),
);

/** The imports of `file` (whose text is `text`) that reach its own layer or above, as `specifier (from → to)`. */
function findViolations(file: string, text: string): string[] {
  const from = folderOf(file);
  const fromRank = rankOf.get(from);
  return findImports(text).flatMap((specifier) => {
    const to = folderOf(resolve(dirname(file), specifier));
    if (to === from) return [];
    const toRank = rankOf.get(to);
    const allowed = fromRank !== undefined && toRank !== undefined && toRank < fromRank;
    return allowed ? [] : [`${specifier} (${from} → ${to})`];
  });
}

describe('layers', () => {
  it('place every source folder', () => {
    const unplaced = [...new Set(sources.map(folderOf))].filter((folder) => !rankOf.has(folder));
    assert.deepEqual(
      unplaced,
      [],
      'add these folders to LAYERS in this test and to docs/design/architecture.md',
    );
  });

  it('have no folder importing one of its own layer or above', () => {
    const violations = sources.flatMap((file) =>
      findViolations(file, readFileSync(file, 'utf8')).map(
        (found) => `${relative(ROOT, file)} imports ${found}`,
      ),
    );
    assert.deepEqual(violations, []);
  });

  it('catches an import of a higher layer, as this test reads them', () => {
    // The check above must fail on the shapes imports take here; a pattern that matched nothing would pass.
    const sample = [
      "import { decideNextAction } from '../flow/decide-next-action';",
      "import type { Logger } from '../log/logger';",
      "const parser = require('./yaml-parser.js');",
      "await import('../rules/load-rules');",
    ].join('\n');
    assert.deepEqual(findImports(sample), [
      '../flow/decide-next-action',
      '../log/logger',
      './yaml-parser.js',
      '../rules/load-rules',
    ]);
    const calendarFile = join(ROOT, 'shared', 'calendar', 'is-open.ts');
    assert.deepEqual(findViolations(calendarFile, sample), [
      '../flow/decide-next-action (shared/calendar → shared/flow)',
      '../log/logger (shared/calendar → shared/log)',
      '../rules/load-rules (shared/calendar → shared/rules)',
    ]);
    // Same layer is refused too; a lower layer and the folder itself pass.
    assert.deepEqual(findViolations(calendarFile, "import { x } from '../config/config';"), [
      '../config/config (shared/calendar → shared/config)',
    ]);
    assert.deepEqual(
      findViolations(calendarFile, "import { a } from '../text/name';\nimport { b } from './local-time';"),
      [],
    );
  });
});
