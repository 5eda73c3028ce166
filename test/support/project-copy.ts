/**
 * A copy of the project's sources in a scratch folder, with node_modules linked and no dist/: what the
 * deploy tests run `s deploy` in, so that the real dist/, which other test files load meanwhile, is never
 * rebuilt under them.
 */
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fc-event';

/** What the deploy and its build need: the copy deploys from these alone (no dist/, which it must build). */
const PROJECT_FILES = ['s.yaml', 'package.json', 'tsconfig.json', 'scripts', 'functions', 'shared', 'dev'];

/** Copies the project into a new folder under `scratch`, with `also` (paths from the root) beside it. */
export function createProjectCopy(scratch: string, also: readonly string[] = []): string {
  const dir = mkdtempSync(join(scratch, 'project-'));
  for (const name of [...PROJECT_FILES, ...also])
    cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}
