import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import {
  type LoadedRules,
  loadEmergencyRules,
  loadRules,
  loadRulesFile,
  type ParseYaml,
  type RulesFileReader,
} from './load-rules';

/** How often a `RULES_FILE` is looked at again for changes. */
export const RULES_FILE_CHECK_MS = 30_000;

/**
 * A read of `RULES_FILE` still unsettled after this long is given up and tried again on a later
 * callback: a mount that stopped answering, or a read cut off when FC froze the instance. (Node cannot
 * cancel the read itself; a read stuck in the kernel holds one of libuv's threads, at most once per
 * check interval.)
 */
export const STUCK_READ_MS = 10_000;

/** Rules versions kept for calls still in progress after a reload; a call lasts minutes, reloads are rare. */
const EARLIER_VERSIONS_KEPT = 3;

/** What the cache reads a rules file with, at the edge. */
export type RulesFiles = {
  /** A text that changes when the file does (mtime and size); rejects when the file is missing. */
  readonly fingerprint: (path: string) => Promise<string>;
  readonly read: RulesFileReader;
  readonly parseYaml: ParseYaml;
};

/**
 * The rules of an instance. Inline `RULES` and the embedded default are compiled once, on the first
 * request. A `RULES_FILE` (an OSS mount, say) is never read on a callback's path once an instance has
 * rules: after {@link RULES_FILE_CHECK_MS} a callback starts a check (or finds one under way) and is
 * answered with the rules in force; a changed file that fails to load never replaces good rules, and
 * the versions it replaces stay available to the calls that started under them. At a cold start the
 * first read may take `RULES_LOAD_BUDGET_MS`; past that the emergency document (`RULES_EMERGENCY`, else
 * the embedded default) answers, loudly, until the file's rules arrive.
 */
export function createRulesCache(
  files: RulesFiles,
  now: () => number,
  log: () => Logger,
): (config: Config) => LoadedRules | Promise<LoadedRules> {
  let current: LoadedRules | undefined;
  /** Whether `current` is the emergency document, waiting to be replaced by the file's rules. */
  let provisional = false;
  let fingerprint: string | undefined;
  let checkedAt = 0;
  let inFlight: { readonly promise: Promise<void>; readonly startedAt: number } | undefined;

  const apply = (loaded: LoadedRules, latest: string | undefined) => {
    fingerprint = latest;
    if (loaded.ok) {
      if (current?.ok === true && !provisional) {
        log().info('rules reloaded', { version: loaded.compiled.rules.version, source: loaded.source });
        // Calls that started under the previous versions go on under them (a few, most recent first).
        const earlier = new Map([[current.compiled.tag, current.compiled], ...current.earlier]);
        earlier.delete(loaded.compiled.tag);
        current = { ...loaded, earlier: new Map([...earlier].slice(0, EARLIER_VERSIONS_KEPT)) };
      } else {
        if (provisional)
          log().info('rules arrived; the emergency document is replaced', { source: loaded.source });
        current = loaded;
      }
      provisional = false;
      return;
    }
    const issues = loaded.issues.slice(0, 20);
    if (current?.ok === true) {
      log().error(
        provisional
          ? 'rules are invalid; the emergency document goes on answering'
          : 'changed rules are invalid; keeping the last good rules',
        { source: loaded.source, issues },
      );
      return;
    }
    log().error('rules are invalid; calls get the fallback reply', { source: loaded.source, issues });
    current = loaded;
  };

  /** Looks at the file and loads it when it changed; never rejects, and is never awaited twice at once. */
  const check = (config: Config, path: string): Promise<void> => {
    const time = now();
    if (inFlight !== undefined && time - inFlight.startedAt < STUCK_READ_MS) return inFlight.promise;
    if (inFlight !== undefined) log().error('a read of RULES_FILE did not finish; trying again', { path });
    checkedAt = time;
    const promise = (async () => {
      const latest = await files.fingerprint(path).catch(() => undefined);
      if (current !== undefined && !provisional && latest !== undefined && latest === fingerprint) return;
      apply(await loadRulesFile(path, config.rulesMaxBytes, files.read, files.parseYaml), latest);
    })().finally(() => {
      if (inFlight?.promise === promise) inFlight = undefined;
    });
    inFlight = { promise, startedAt: time };
    return promise;
  };

  return (config) => {
    const path = config.rulesFile;
    if (config.rulesJson !== undefined || path === undefined) {
      current ??= loadRules(config, files.parseYaml);
      return current;
    }
    if (current !== undefined) {
      if (now() - checkedAt >= RULES_FILE_CHECK_MS) {
        // Not awaited: this callback is answered with the rules in force.
        void check(config, path);
      }
      return current;
    }
    return waitForFirstRules(config, check(config, path));
  };

  /** A cold start: the file's rules within the budget, else the emergency document until they come. */
  async function waitForFirstRules(config: Config, loading: Promise<void>): Promise<LoadedRules> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'late'>((resolveLate) => {
      timer = setTimeout(() => resolveLate('late'), config.rulesLoadBudgetMs);
    });
    const outcome = await Promise.race([loading.then(() => 'loaded' as const), budget]);
    clearTimeout(timer);
    if (outcome === 'loaded' && current !== undefined) return current;
    if (current === undefined) {
      current = loadEmergencyRules(config, files.parseYaml);
      provisional = true;
      log().error('RULES_FILE was not read in time; the emergency document answers until it is', {
        path: config.rulesFile,
        budgetMs: config.rulesLoadBudgetMs,
        emergency: current.source,
      });
    }
    return current;
  }
}
