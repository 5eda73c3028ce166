/**
 * Every log line the built functions write during the tests, scanned for what must never be logged: an
 * unmasked mobile number, or a secret configured at the time. The suite (test/suite.mts) fails at its end
 * if any line held one; test/support/fc-event.ts feeds it every line.
 */

import { ID_FIELDS } from '../shared/log/logger';

/** A Chinese mobile number not inside a longer run of digits. */
const MOBILE_NUMBER = /(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])/;

export const logScan = { lines: 0, leaks: [] as string[] };

/** Scans what a function wrote to stdout; `secrets` are the secrets configured when it was written. */
export function scanLogOutput(text: string, secrets: readonly string[]): void {
  for (const written of text.split('\n')) {
    if (!written.startsWith('{"level":')) continue;
    logScan.lines++;
    // Id fields (a call id, a request id) are left as written by design: digits in them are no number.
    let line = written;
    try {
      const fields = JSON.parse(written) as Record<string, unknown>;
      for (const key of ID_FIELDS) delete fields[key];
      line = JSON.stringify(fields);
    } catch {
      // Not one JSON object: scanned as written.
    }
    const mobile = line.match(MOBILE_NUMBER);
    if (mobile !== null)
      logScan.leaks.push(`a mobile number (${mobile[0].slice(0, 3)}…) in: ${line.slice(0, 300)}`);
    const secret = secrets.find((value) => value.length >= 8 && line.includes(value));
    if (secret !== undefined) logScan.leaks.push(`a configured secret in: ${line.slice(0, 120)}…`);
  }
}
