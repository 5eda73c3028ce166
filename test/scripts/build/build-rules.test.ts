import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../scripts/build/build';
import { captureText } from '../../support/command-io';

const dir = mkdtempSync(join(tmpdir(), 'build-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `npm run build -- --rules FILE` (or RULES_BUNDLE) compiles the document into each function's folder; one
 * that cannot be read or is not valid stops the build before anything is built, so dist/ stays as it was.
 */
describe('npm run build -- --rules', () => {
  it('refuses a missing or invalid document before building', async () => {
    const { streams, captured } = captureText();
    assert.equal(await main(['--rules', join(dir, 'none.yaml'), '--quiet'], streams), 1);
    assert.match(captured.stderr, /^build: .*none\.yaml: cannot read the file \(ENOENT\)/);
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'version: x\nflows: {}\n');
    const second = captureText();
    assert.equal(await main(['--rules', invalid, '--quiet'], second.streams), 1);
    assert.match(second.captured.stderr, /is not a valid rules document: npm run rules -- check/);
  });
});
