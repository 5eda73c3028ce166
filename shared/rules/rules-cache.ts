import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import { type LoadedRules, loadRules, type RulesReaders } from './load-rules';

/** How often a `RULES_FILE` is checked for changes (a stat, not a read). */
export const RULES_FILE_CHECK_MS = 30_000;

/** Rules versions kept for calls still in progress after a reload; a call lasts minutes, reloads are rare. */
const EARLIER_VERSIONS_KEPT = 3;

export type RulesFileSystem = RulesReaders & {
  /** A value that changes when the file does (mtime and size); throws when the file is missing. */
  readonly fingerprint: (path: string) => string;
};

/**
 * Rules loaded once per instance. A `RULES_FILE` (an OSS mount, say) is re-checked at most every
 * {@link RULES_FILE_CHECK_MS}; a changed file that fails to load never replaces good rules, and the
 * versions it replaces stay available to the calls that started under them.
 */
export function createRulesCache(
  fs: RulesFileSystem,
  now: () => number,
  log: () => Logger,
): (config: Config) => LoadedRules {
  let current: LoadedRules | undefined;
  let fingerprint: string | undefined;
  let checkedAt = 0;
  const fingerprintOf = (path: string) => {
    try {
      return fs.fingerprint(path);
    } catch {
      return undefined;
    }
  };
  return (config) => {
    if (current !== undefined && (config.rulesFile === undefined || config.rulesJson !== undefined))
      return current;
    const time = now();
    if (current !== undefined && time - checkedAt < RULES_FILE_CHECK_MS) return current;
    checkedAt = time;
    const path = config.rulesFile;
    const latest = path === undefined ? undefined : fingerprintOf(path);
    if (current !== undefined && latest === fingerprint) return current;
    const loaded = loadRules(config, fs);
    if (loaded.ok) {
      if (current?.ok === true) {
        log().info('rules reloaded', { version: loaded.compiled.rules.version, source: loaded.source });
        // Calls that started under the previous versions go on under them (a few, most recent first).
        const earlier = new Map([[current.compiled.tag, current.compiled], ...current.earlier]);
        earlier.delete(loaded.compiled.tag);
        current = { ...loaded, earlier: new Map([...earlier].slice(0, EARLIER_VERSIONS_KEPT)) };
      } else {
        current = loaded;
      }
      fingerprint = latest;
    } else if (current?.ok === true) {
      log().error('changed rules are invalid; keeping the last good rules', {
        source: loaded.source,
        issues: loaded.issues.slice(0, 20),
      });
      fingerprint = latest;
    } else {
      log().error('rules are invalid; calls get the fallback reply', {
        source: loaded.source,
        issues: loaded.issues.slice(0, 20),
      });
      current = loaded;
      fingerprint = latest;
    }
    return current;
  };
}
