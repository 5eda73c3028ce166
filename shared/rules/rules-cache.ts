import { type AwakeClock, type ClockHost, PROCESS_CLOCK, startAwakeClock } from '../clock/awake-clock';
import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import { formatOssUrl } from '../oss/oss-address';
import {
  type LoadedRules,
  loadEmergencyRules,
  loadRules,
  loadRulesFile,
  loadRulesFileNow,
  type ParseYaml,
  type RulesFileReader,
  type RulesFileReaderNow,
  type StandIn,
  UNREAD_PATHS,
} from './load-rules';
import { isInCodeFolder } from './rules-file-readers';

/**
 * Where an instance's rules come from after a cold start, looked at again every check interval: a
 * file (`RULES_FILE`) or an OSS object (`RULES_URL`).
 */
export type RulesOrigin = {
  /**
   * The document, unless it is still the one tagged `knownTag` (a file's mtime and size, an object's
   * ETag). A document that cannot be read comes back as invalid rules, tagged `undefined` so that the
   * next check reads again. Never rejects.
   */
  readonly fetch: (knownTag: string | undefined) => Promise<FetchedRules>;
};

export type FetchedRules =
  | { readonly unchanged: true }
  | { readonly unchanged: false; readonly tag: string | undefined; readonly loaded: LoadedRules };

/**
 * A read of the rules still unsettled after the process has been awake this long (an awake clock: a
 * freeze between requests does not count) is given up, and the next due check reads again: a mount that
 * stopped answering. Its result, should it come after all, is ignored. (Node cannot cancel a file read;
 * one stuck in the kernel holds one of libuv's threads, at most once per check interval.) An OSS read
 * has its own, shorter deadline on the same clock.
 */
export const STUCK_READ_MS = 10_000;

const READ_FAILURES: ReadonlySet<string> = new Set(Object.values(UNREAD_PATHS));

/** Rules versions kept for calls still in progress after a reload; a call lasts minutes, reloads are rare. */
const EARLIER_VERSIONS_KEPT = 3;

/** What the cache reads rules with, at the edge. */
export type RulesFiles = {
  /** A text that changes when the file does (mtime and size); rejects when the file is missing. */
  readonly fingerprint: (path: string) => Promise<string>;
  readonly read: RulesFileReader;
  /** Reads a file at once: used for a cold start's first read of a file inside `codeFolder`, when given. */
  readonly readNow?: RulesFileReaderNow;
  /** The folder the function's code was deployed in (the bundle's): a file inside it cannot stall. */
  readonly codeFolder?: string;
  readonly parseYaml: ParseYaml;
  /** The OSS object a configuration names in `RULES_URL`. */
  readonly oss: (config: Config) => RulesOrigin;
};

/** A `RULES_FILE` as an origin: looked at (mtime, size) first, read only when that changed. */
function fileOrigin(path: string, config: Config, files: RulesFiles): RulesOrigin {
  return {
    fetch: async (knownTag) => {
      const latest = await files.fingerprint(path).catch(() => undefined);
      if (knownTag !== undefined && latest === knownTag) return { unchanged: true };
      const loaded = await loadRulesFile(path, config.rulesMaxBytes, files.read, files.parseYaml);
      return { unchanged: false, tag: latest, loaded };
    },
  };
}

/**
 * The rules of an instance. Inline `RULES` and the embedded default are compiled once, on the first
 * request. `RULES_URL` (an OSS object) or else `RULES_FILE` (an OSS mount, say) is never read on a
 * callback's path once an instance has rules: after `RULES_CHECK_SECONDS` a callback starts a check (or
 * finds one under way) and is answered with the rules in force; a changed document that fails to load
 * never replaces good rules, and the versions it replaces stay available to the calls that started
 * under them. At a cold start the first read may take `RULES_LOAD_BUDGET_MS`; past that the emergency
 * document (`RULES_EMERGENCY`, else the embedded default) answers, loudly, until the real rules arrive.
 * A `RULES_FILE` inside the function's own code folder, deployed with it, is read at once at a cold start,
 * decided by its path alone (a stalled mount can block a `stat` too); its later checks are as any file's.
 */
export function createRulesCache(
  files: RulesFiles,
  now: () => number,
  log: () => Logger,
  clock: ClockHost = PROCESS_CLOCK,
): (config: Config) => LoadedRules | Promise<LoadedRules> {
  let current: LoadedRules | undefined;
  /** Whether `current` is the emergency document, waiting to be replaced by the file's rules. */
  let provisional = false;
  let fingerprint: string | undefined;
  let checkedAt = 0;
  let inFlight: { readonly promise: Promise<void>; readonly awake: AwakeClock } | undefined;
  /** Checks started: the latest is the only one whose result counts. */
  let checks = 0;
  let origin:
    | {
        readonly of: Config;
        readonly origin: RulesOrigin | undefined;
        /** The file a cold start reads at once: `RULES_FILE` in the code folder, when that is the origin. */
        readonly readNow: { readonly path: string; readonly read: RulesFileReaderNow } | undefined;
      }
    | undefined;

  /** The origin a configuration names (the first one wins: `RULES`, `RULES_URL`, `RULES_FILE`). */
  const originOf = (config: Config) => {
    if (origin?.of !== config) {
      const named =
        config.rulesJson !== undefined
          ? undefined
          : config.rulesUrl !== undefined
            ? files.oss(config)
            : config.rulesFile !== undefined
              ? fileOrigin(config.rulesFile, config, files)
              : undefined;
      const path = config.rulesFile;
      const readNow =
        named !== undefined &&
        config.rulesUrl === undefined &&
        path !== undefined &&
        files.readNow !== undefined &&
        isInCodeFolder(path, files.codeFolder)
          ? { path, read: files.readNow }
          : undefined;
      origin = { of: config, origin: named, readNow };
    }
    return origin;
  };

  const apply = (config: Config, loaded: LoadedRules, latest: string | undefined) => {
    // A read that failed says nothing of the document: the tag of the last one read stays.
    if (latest !== undefined || loaded.ok) fingerprint = latest;
    if (loaded.ok) {
      if (current?.ok === true && !provisional) {
        if (current.compiled.tag === loaded.compiled.tag) {
          // The same document again (read in full after a failed read): nothing changes for calls.
          current = { ...current, refused: undefined };
          return;
        }
        log().info('rules reloaded', { version: loaded.compiled.rules.version, source: loaded.source });
        // Calls that started under the previous versions go on under them (a few, most recent first).
        const earlier = new Map([[current.compiled.tag, current.compiled], ...current.earlier]);
        earlier.delete(loaded.compiled.tag);
        current = { ...loaded, earlier: new Map([...earlier].slice(0, EARLIER_VERSIONS_KEPT)) };
      } else {
        if (provisional) {
          log().info('rules arrived; the emergency document is replaced', {
            version: loaded.compiled.rules.version,
            source: loaded.source,
          });
        }
        // Calls that started under the emergency document go on under it.
        current =
          current?.ok === true
            ? { ...loaded, earlier: new Map([[current.compiled.tag, current.compiled]]) }
            : loaded;
      }
      provisional = false;
      return;
    }
    const issues = loaded.issues.slice(0, 20);
    if (current?.ok === true && !provisional) {
      // A read that failed says nothing of the document; one read whole that does not load is invalid.
      const unread = latest === undefined || READ_FAILURES.has(loaded.issues[0]?.path ?? '');
      if (unread) {
        // Without a tag the next check reads again; with one (a file that is no longer a regular file,
        // say), only once the file changes.
        // Checks ride on callbacks (an instance has no timer of its own): the next try is on the first
        // callback once the interval has passed.
        const retryInS = Math.round(config.rulesCheckMs / 1000);
        const next =
          latest !== undefined
            ? 'next try once it changes'
            : retryInS === 0
              ? 'next try on the next callback'
              : `next try on the first callback after ${retryInS} s`;
        const origin = describeOrigin(config);
        const check = origin?.startsWith('oss://')
          ? 'check that the endpoint is reachable from the function and that its role may oss:GetObject the key'
          : 'check that the file is there and readable';
        log().error(
          `the rules could not be read from ${origin ?? loaded.source}; keeping the last good rules, ${next}: ${check}`,
          { source: loaded.source, issues },
        );
      } else {
        log().error(
          'the changed rules are invalid; keeping the last good rules until a valid document replaces them (npm run rules -- check)',
          { source: loaded.source, issues },
        );
      }
      // The status says why the document in force is not the latest, until one loads.
      current = { ...current, refused: { source: loaded.source, issues } };
      return;
    }
    // No good rules yet: the emergency document stands in (again), and the next check tries again.
    standIn(config, { source: loaded.source, issues: loaded.issues }, 'the rules could not be loaded');
  };

  /** Serves the emergency document, saying loudly why, until the configured rules load. */
  const standIn = (config: Config, missing: StandIn, why: string): LoadedRules => {
    const emergency = loadEmergencyRules(config, files.parseYaml);
    const first = !provisional;
    const served: LoadedRules = emergency.ok ? { ...emergency, standsInFor: missing } : emergency;
    current = served;
    provisional = true;
    if (!first) return served;
    log().error(`${why}; the emergency document answers until they are`, {
      from: describeOrigin(config),
      emergency: emergency.source,
      ...(emergency.ok ? {} : { emergencyIssues: emergency.issues.slice(0, 20) }),
      issues: missing.issues.slice(0, 20),
    });
    return served;
  };

  /** Loads the document when it changed; never rejects, and is never awaited twice at once. */
  const check = (from: RulesOrigin, config: Config): Promise<void> => {
    if (inFlight !== undefined && inFlight.awake.elapsed() < STUCK_READ_MS) return inFlight.promise;
    if (inFlight !== undefined) {
      inFlight.awake.stop();
      log().error('a read of the rules did not finish; trying again', { from: describeOrigin(config) });
    }
    checkedAt = now();
    const awake = startAwakeClock(clock);
    checks += 1;
    const generation = checks;
    const promise = (async () => {
      // The tag of the last document read, even an invalid one: an unchanged one is not read again.
      const fetched = await from.fetch(current !== undefined ? fingerprint : undefined);
      // A read given up on (above) changes nothing when it settles after all.
      if (generation !== checks) return;
      if (!fetched.unchanged) apply(config, fetched.loaded, fetched.tag);
    })()
      // Never rejects: a check runs unawaited on a warm instance, where a rejection would end the process.
      .catch((error: unknown) => {
        log().error('a check of the rules failed; keeping the last good rules', {
          from: describeOrigin(config),
          ...log().describeError(error),
        });
      })
      .finally(() => {
        awake.stop();
        if (inFlight?.promise === promise) inFlight = undefined;
      });
    inFlight = { promise, awake };
    return promise;
  };

  /** A cold start's first read of a file in the code folder, at once; later checks are asynchronous. */
  const readAtOnce = (config: Config, file: { path: string; read: RulesFileReaderNow }): LoadedRules => {
    checkedAt = now();
    const read = loadRulesFileNow(file.path, config.rulesMaxBytes, file.read, files.parseYaml);
    apply(config, read.loaded, read.fingerprint);
    return inForce() ?? read.loaded;
  };
  /** `current`, read through a call: narrowing does not see what `apply` set. */
  const inForce = () => current;

  return (config) => {
    const { origin: from, readNow } = originOf(config);
    if (from === undefined) {
      current ??= loadRules(config, files.parseYaml);
      return current;
    }
    if (current !== undefined) {
      if (now() - checkedAt >= config.rulesCheckMs) {
        // Not awaited: this callback is answered with the rules in force.
        void check(from, config);
      }
      return current;
    }
    if (readNow !== undefined) return readAtOnce(config, readNow);
    return waitForFirstRules(config, check(from, config));
  };

  /** A cold start: the file's rules within the budget, else the emergency document until they come. */
  async function waitForFirstRules(config: Config, loading: Promise<void>): Promise<LoadedRules> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'late'>((resolveLate) => {
      timer = setTimeout(() => resolveLate('late'), config.rulesLoadBudgetMs);
    });
    await Promise.race([loading, budget]);
    clearTimeout(timer);
    if (current !== undefined) return current;
    return standIn(
      config,
      {
        source: config.rulesUrl === undefined ? 'file' : 'oss',
        issues: [
          {
            path: UNREAD_PATHS.read,
            message: `not read within RULES_LOAD_BUDGET_MS (${config.rulesLoadBudgetMs} ms)`,
          },
        ],
      },
      'the rules were not read in time',
    );
  }
}

/** `RULES_URL` or `RULES_FILE`, as the log names it. */
function describeOrigin(config: Config): string | undefined {
  return config.rulesUrl === undefined ? config.rulesFile : formatOssUrl(config.rulesUrl);
}
