/** `npm run capacity` in a test: its `main` on captured streams, and a scratch copy of s.yaml to write. */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { main } from '../../scripts/capacity/capacity';
import { ROOT } from './fc-event';

export const scratch = mkdtempSync(join(tmpdir(), 'vms-callflow-capacity-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

export const BANK = join(ROOT, 'examples', 'bank-card-service.yaml');
export const ORIGINAL_S_YAML = readFileSync(join(ROOT, 's.yaml'), 'utf8');

/** Runs the command with today fixed at 2026-02-01. */
export function runCapacity(argv: readonly string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    now: () => Date.UTC(2026, 1, 1),
  });
  return { code, out, err };
}

/** A fresh folder holding a copy of s.yaml. */
export function copyProject(): string {
  const dir = mkdtempSync(join(scratch, 'project-'));
  cpSync(join(ROOT, 's.yaml'), join(dir, 's.yaml'));
  return dir;
}
