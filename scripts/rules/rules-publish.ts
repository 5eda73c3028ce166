/**
 * Rules documents in OSS: publish, pull, diff, history and rollback, for `npm run rules -- …` (their
 * command line is described with the others, in scripts/rules/rules.ts).
 *
 *   publish <file> oss://bucket/key   check as `rules check` does today (in each calendar's zone, or
 *                                     --at), then upload the compiled JSON and a copy at
 *                                     <key>.versions/<version>.json; warnings refuse unless --force
 *   pull oss://bucket/key             what is live (stdout, or -o FILE)
 *   diff <file> oss://bucket/key      what changes for callers, live → file
 *   history oss://bucket/key          published versions, newest first
 *   rollback <version> oss://bucket/key   make an earlier version live again
 *
 * The client is ali-oss with V4 signatures. Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID,
 * ALIBABA_CLOUD_ACCESS_KEY_SECRET and (temporary credentials) ALIBABA_CLOUD_SECURITY_TOKEN; the region
 * from --region, ALIBABA_CLOUD_REGION or REGION; the endpoint from --endpoint or OSS_ENDPOINT, else the
 * region's public endpoint.
 */
import { readFileSync } from 'node:fs';
import type OSS from 'ali-oss';
import * as v from 'valibot';
import type { CommandIo } from '../../dev/command-line';
import { readAccessKeyPair } from '../../shared/config/config';
import { regionEndpoint } from '../../shared/oss/oss-address';
import { OssEndpointSchema, OssRegionSchema } from '../../shared/oss/oss-schemas';
import { type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import type { Rules } from '../../shared/rules/rules-schema';
import { diffRules, formatRulesDiff } from '../../shared/rules-tooling/diff-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { describeCapacityDrift } from '../capacity/s-yaml-capacity';
import { formatOssLocation, type OssLocation, OssLocationSchema } from './oss-location';
import {
  compileToJson,
  formatIssue,
  locateAll,
  parseRulesFileText,
  plural,
  type ReadFile,
  readFile,
  writeResult,
} from './rules-files';

/** The output, and the environment the credentials are read from. */
export type OssCliIo = CommandIo & {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The s.yaml whose warm capacity publish compares with the calendars (`s.yaml` in the current folder). */
  readonly sYaml?: string;
};

/** A live document larger than this is refused unread: rules are kilobytes, a 16 MB one is a mistake. */
export const MAX_LIVE_BYTES = 16 * 1024 * 1024;
/** How long one OSS request may take before the CLI gives up. */
const REQUEST_TIMEOUT_MS = 30_000;
/** At most this many pages of 1000 kept versions are listed. */
const MAX_HISTORY_PAGES = 20;
const VERSIONS_SUFFIX = '.versions/';

const OSS_COMMANDS = ['publish', 'pull', 'diff', 'history', 'rollback'] as const;
export type OssCommand = (typeof OSS_COMMANDS)[number];

export function isOssCommand(command: string): command is OssCommand {
  return (OSS_COMMANDS as readonly string[]).includes(command);
}

/** The options the OSS commands take (the command line has refused the others already). */
export type OssValues = {
  readonly force?: boolean | undefined;
  readonly 'dry-run'?: boolean | undefined;
  readonly output?: string | undefined;
  readonly json?: boolean | undefined;
  readonly 'exit-code'?: boolean | undefined;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
};

/** A problem to print as it is (no stack), exit 1: the rules, the files or OSS. */
class CliError extends Error {}

/**
 * Runs one OSS command on positionals the command line has counted; never throws for an expected
 * problem: returns the exit code (0 fine, 1 a problem, 2 through `refuse` for a location that is none).
 * `todayIn` dates publish's lint, as `rules check` dates its own.
 */
export async function runOssCommand(
  io: OssCliIo,
  command: OssCommand,
  positionals: readonly string[],
  values: OssValues,
  todayIn: (zone: string) => string,
  refuse: (message: string) => number,
): Promise<number> {
  const where = positionals.at(-1);
  const location = v.safeParse(OssLocationSchema, where);
  if (!location.success) return refuse(`${where}: ${location.issues[0].message}`);
  const [first = ''] = positionals;
  try {
    if (command === 'publish') {
      // Checked before OSS is asked anything: a refused document costs no request.
      const local = checkDocument(io, first, readFile(first), 'published', {
        todayIn,
        refuseWarnings: values.force === true ? undefined : '--force publishes anyway',
      });
      return await publish(io, await openStore(location.output, values, io.env), first, local, values);
    }
    const store = await openStore(location.output, values, io.env);
    switch (command) {
      case 'pull':
        return await pull(io, store, values.output);
      case 'diff':
        return await diff(io, store, first, values, todayIn);
      case 'history':
        return await history(io, store, values);
      case 'rollback':
        return await rollback(io, store, first, values['dry-run'] === true, todayIn);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function openStore(
  location: OssLocation,
  values: OssValues,
  env: OssCliIo['env'],
): Promise<RulesStore> {
  return new RulesStore(await createClient(location, values, env), location);
}

// --------------------------------------------------------------------------------------------------
// Credentials and the client
// --------------------------------------------------------------------------------------------------

async function createClient(location: OssLocation, values: OssValues, env: OssCliIo['env']): Promise<OSS> {
  // Read as the functions read them (shared/config), trimmed; a missing one is named.
  const credentials = readAccessKeyPair(env);
  if (credentials === undefined) {
    const missing = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'].filter(
      (name) => !env[name]?.trim(),
    );
    throw new CliError(
      `set ${missing.join(' and ')} (the AccessKey pair that may write the bucket; ALIBABA_CLOUD_SECURITY_TOKEN too, for temporary credentials)`,
    );
  }
  const regionText = values.region ?? (env.ALIBABA_CLOUD_REGION || env.REGION || undefined);
  if (regionText === undefined)
    throw new CliError(
      "set ALIBABA_CLOUD_REGION (or REGION, or pass --region) to the bucket's region, such as cn-hangzhou",
    );
  const region = v.safeParse(OssRegionSchema, regionText);
  if (!region.success) throw new CliError(`region ${regionText}: ${region.issues[0].message}`);
  const endpointText = values.endpoint ?? (env.OSS_ENDPOINT || undefined);
  const endpoint = endpointText === undefined ? undefined : v.safeParse(OssEndpointSchema, endpointText);
  if (endpoint !== undefined && !endpoint.success)
    throw new CliError(`endpoint ${endpointText}: ${endpoint.issues[0].message}`);
  // Loaded here, not at the top: `rules check` and the other local commands never pay for it.
  const { default: OssClient } = await import('ali-oss');
  const stsToken = credentials.securityToken;
  return new OssClient({
    region: `oss-${region.output}`,
    endpoint: endpoint?.output ?? regionEndpoint(region.output, 'public'),
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(stsToken === undefined ? {} : { stsToken }),
    bucket: location.bucket,
    secure: true,
    authorizationV4: true,
    timeout: REQUEST_TIMEOUT_MS,
  } as OSS.Options);
}

// --------------------------------------------------------------------------------------------------
// The bucket: the live key and its kept versions
// --------------------------------------------------------------------------------------------------

/** An object read whole: its text and ETag. */
type StoredText = { readonly text: string; readonly etag: string };

type OssFailure = {
  status?: unknown;
  code?: unknown;
  name?: unknown;
  message?: unknown;
  requestId?: unknown;
};

/** One published version, as listed. */
type KeptVersion = {
  readonly version: string;
  readonly key: string;
  readonly published: string;
  readonly size: number;
  readonly etag: string;
};

/** The live key of a rules document and its versions at `<key>.versions/<encoded version>.json`. */
class RulesStore {
  constructor(
    private readonly client: OSS,
    readonly location: OssLocation,
  ) {}

  /** The key of a version's copy: the version percent-encoded, so that any version is one safe name. */
  versionKey(version: string): string {
    return `${this.location.key}${VERSIONS_SUFFIX}${encodeURIComponent(version)}.json`;
  }

  describe(key = this.location.key): string {
    return formatOssLocation(this.location, key);
  }

  /**
   * Reads an object whole, up to {@link MAX_LIVE_BYTES}; undefined when there is none. The request asks
   * for one byte more than the limit (`Range`), so a huge object is never downloaded, and its size is
   * read from `Content-Range`.
   */
  async read(key: string): Promise<StoredText | undefined> {
    let result: OSS.GetObjectResult;
    try {
      result = await this.client.get(key, { headers: { Range: `bytes=0-${MAX_LIVE_BYTES}` } });
    } catch (error) {
      if ((error as OssFailure).code === 'NoSuchKey') return undefined;
      throw this.explain(error, key);
    }
    const headers = result.res.headers as Record<string, string | undefined>;
    const content = Buffer.isBuffer(result.content) ? result.content : Buffer.alloc(0);
    const total = Number(/\/(\d+)$/.exec(headers['content-range'] ?? '')?.[1] ?? content.length);
    if (total > MAX_LIVE_BYTES || content.length > MAX_LIVE_BYTES)
      throw new CliError(
        `${this.describe(key)} is larger than ${MAX_LIVE_BYTES} bytes: not a rules document; not read`,
      );
    if (content.length !== total)
      throw new CliError(
        `${this.describe(key)}: the answer was cut short (${content.length} of ${total} bytes); try again`,
      );
    return { text: content.toString('utf8'), etag: headers.etag ?? '' };
  }

  /** The live object's ETag, or undefined when nothing is live. */
  async liveEtag(): Promise<string | undefined> {
    try {
      const head = await this.client.head(this.location.key);
      return (head.res.headers as Record<string, string | undefined>).etag;
    } catch (error) {
      if ((error as OssFailure).code === 'NoSuchKey') return undefined;
      throw this.explain(error, this.location.key);
    }
  }

  /** Uploads JSON text; with `keep`, refuses to replace an object already there (a kept version). Returns the ETag. */
  async write(key: string, text: string, keep = false): Promise<string> {
    try {
      const put = await this.client.put(key, Buffer.from(text, 'utf8'), {
        mime: 'application/json',
        headers: keep ? { 'x-oss-forbid-overwrite': 'true' } : {},
      });
      return (put.res.headers as Record<string, string | undefined>).etag ?? '';
    } catch (error) {
      throw this.explain(error, key);
    }
  }

  /** Every kept version, newest first (by upload time, then name). */
  async listVersions(): Promise<KeptVersion[]> {
    const prefix = `${this.location.key}${VERSIONS_SUFFIX}`;
    const kept: KeptVersion[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      let listed: OSS.ListV2ObjectResult;
      try {
        listed = await this.client.listV2({
          prefix,
          'max-keys': '1000',
          ...(token === undefined ? {} : { 'continuation-token': token }),
        });
      } catch (error) {
        throw this.explain(error, prefix);
      }
      for (const object of listed.objects ?? []) {
        const version = decodeVersion(object.name.slice(prefix.length));
        if (version === undefined) continue;
        kept.push({
          version,
          key: object.name,
          published: object.lastModified,
          size: object.size,
          etag: object.etag,
        });
      }
      if (!listed.isTruncated || !listed.nextContinuationToken) break;
      token = listed.nextContinuationToken;
    }
    return kept.sort((a, b) => Date.parse(b.published) - Date.parse(a.published) || (a.key < b.key ? 1 : -1));
  }

  /** An OSS or network failure as one line: what was asked, OSS's code and message, the request id. */
  private explain(error: unknown, key: string): CliError {
    const failure = (error ?? {}) as OssFailure;
    const where = this.describe(key);
    const status = typeof failure.status === 'number' ? failure.status : undefined;
    const code = typeof failure.code === 'string' ? failure.code : undefined;
    const message =
      typeof failure.message === 'string' ? failure.message.split('\n')[0]?.split(' (req "')[0] : '';
    const requestId =
      typeof failure.requestId === 'string' && failure.requestId !== ''
        ? ` (request id ${failure.requestId})`
        : '';
    if (status === undefined || status < 0) {
      const name = typeof failure.name === 'string' ? failure.name : 'error';
      // urllib's message goes on with the socket pool's state after the first comma.
      return new CliError(`${where}: cannot reach OSS (${code ?? name}): ${message?.split(', ')[0]}`);
    }
    if (code === undefined)
      return new CliError(
        `${where}: the endpoint answered ${status} without an OSS error: is it OSS? (check the endpoint)`,
      );
    return new CliError(`${where}: OSS answered ${status} ${code}: ${message}${requestId}`);
  }
}

function decodeVersion(name: string): string | undefined {
  if (!name.endsWith('.json') || name.includes('/')) return undefined;
  try {
    return decodeURIComponent(name.slice(0, -'.json'.length));
  } catch {
    return undefined;
  }
}

// --------------------------------------------------------------------------------------------------
// Documents: checked as `rules check` does
// --------------------------------------------------------------------------------------------------

/** A document that validated: its compiled JSON and its validated form. */
type Checked = { readonly json: string; readonly rules: Rules; readonly compiled: CompiledRules };

/**
 * Lints a read document as `rules check` does (its holiday data judged by `todayIn`, when given) and
 * prints its findings under `label`. Refuses it on errors, and on warnings when `refuseWarnings` is
 * given: what lets them through, for the refusal to name (`--force publishes anyway`).
 */
function checkDocument(
  io: CommandIo,
  label: string,
  read: ReadFile,
  action: string,
  {
    todayIn,
    refuseWarnings,
  }: { readonly todayIn?: (zone: string) => string; readonly refuseWarnings?: string | undefined } = {},
): Checked {
  if (!read.ok) {
    for (const issue of read.issues) io.err(`${formatIssue('error', label, issue)}\n`);
    throw new CliError(`${label}: not ${action}`);
  }
  const linted = locateAll(lintRules(read.document, todayIn === undefined ? {} : { todayIn }), read.locate);
  for (const issue of linted.errors) io.err(`${formatIssue('error', label, issue)}\n`);
  for (const issue of linted.warnings) io.err(`${formatIssue('warning', label, issue)}\n`);
  if (linted.errors.length > 0)
    throw new CliError(`${label}: not ${action}, ${plural(linted.errors.length, 'error')}`);
  if (linted.warnings.length > 0 && refuseWarnings !== undefined)
    throw new CliError(
      `${label}: not ${action}, ${plural(linted.warnings.length, 'warning')} (${refuseWarnings})`,
    );
  const compiled = compileRules(read.document);
  if (!compiled.ok) throw new CliError(`${label}: not ${action}: ${compiled.issues[0]?.message}`);
  return { json: compileToJson(read.document), rules: compiled.compiled.rules, compiled: compiled.compiled };
}

/** A document as stored in OSS, validated (not linted): for diffs and for naming what is live. */
function validateStored(label: string, stored: StoredText): Rules | undefined {
  const read = parseRulesFileText(stored.text, label);
  if (!read.ok) return undefined;
  const compiled = compileRules(read.document);
  return compiled.ok ? compiled.compiled.rules : undefined;
}

// --------------------------------------------------------------------------------------------------
// Commands
// --------------------------------------------------------------------------------------------------

async function publish(
  io: OssCliIo,
  store: RulesStore,
  file: string,
  local: Checked,
  values: OssValues,
): Promise<number> {
  const { version } = local.rules;
  const target = store.describe();
  const live = await store.read(store.location.key);
  if (live?.text === local.json) {
    io.out(`version ${version} is already live at ${target} (ETag ${live.etag}); nothing to do\n`);
    return 0;
  }
  const liveRules = live === undefined ? undefined : validateStored(target, live);
  if (liveRules?.version === version)
    throw new CliError(
      `${target} already has version ${version} live, with other content: give ${file} a new version (see docs/rules.md#versions)`,
    );
  const versionKey = store.versionKey(version);
  const kept = await store.read(versionKey);
  if (kept !== undefined && kept.text !== local.json)
    throw new CliError(
      `version ${version} was published before with other content (${store.describe(versionKey)}): give ${file} a new version`,
    );
  const was =
    live === undefined
      ? 'nothing was live'
      : `replacing version ${liveRules?.version ?? '(not a valid rules document)'}`;
  const bytes = Buffer.byteLength(local.json);
  if (values['dry-run'] === true) {
    io.out(
      `would publish version ${version} (${bytes} bytes) to ${target}, ${was}; a copy at ${store.describe(versionKey)}\n`,
    );
    noteCapacityDrift(io, local.compiled);
    return 0;
  }
  // The copy first: whatever is live is then always in the history.
  if (kept === undefined) await store.write(versionKey, local.json, true);
  const etag = await store.write(store.location.key, local.json);
  io.out(`published version ${version} (${bytes} bytes) to ${target}, ETag ${etag}; ${was}\n`);
  io.out(`kept a copy at ${store.describe(versionKey)}\n`);
  noteCapacityDrift(io, local.compiled);
  return 0;
}

/**
 * Says when the warm capacity that s.yaml (in the current folder, or `io.sYaml`) schedules was planned from
 * other calendars than the published ones: capacity changes only with `npm run capacity` and `s deploy`.
 */
function noteCapacityDrift(io: OssCliIo, compiled: CompiledRules): void {
  let text: string;
  try {
    text = readFileSync(io.sYaml ?? 's.yaml', 'utf8');
  } catch {
    return;
  }
  for (const note of describeCapacityDrift(compiled, text)) io.err(`note: ${note}\n`);
}

async function pull(io: OssCliIo, store: RulesStore, output: string | undefined): Promise<number> {
  const live = await store.read(store.location.key);
  if (live === undefined)
    throw new CliError(
      `${store.describe()}: nothing is live there (NoSuchKey); publish one with npm run rules -- publish`,
    );
  const rules = validateStored(store.describe(), live);
  const text = output !== undefined || live.text.endsWith('\n') ? live.text : `${live.text}\n`;
  const written = writeResult(io, text, output);
  if (written !== 0) return written;
  io.err(
    `${store.describe()}: ${rules === undefined ? 'not a valid rules document' : `version ${rules.version}`}, ` +
      `${Buffer.byteLength(live.text)} bytes, ETag ${live.etag}${output === undefined ? '' : `, written to ${output}`}\n`,
  );
  return 0;
}

async function diff(
  io: OssCliIo,
  store: RulesStore,
  file: string,
  values: OssValues,
  todayIn: (zone: string) => string,
): Promise<number> {
  // Dated as publish dates it, so the warnings it prints are the ones publish would refuse on.
  const local = checkDocument(io, file, readFile(file), 'compared', { todayIn });
  const live = await store.read(store.location.key);
  if (live === undefined)
    throw new CliError(`${store.describe()}: nothing is live there (NoSuchKey) to compare with`);
  const liveRules = validateStored(store.describe(), live);
  if (liveRules === undefined)
    throw new CliError(`${store.describe()}: what is live is not a valid rules document; \`pull\` it to see`);
  const result = diffRules(liveRules, local.rules);
  const text =
    values.json === true
      ? `${JSON.stringify(result, null, 2)}\n`
      : formatRulesDiff(result, { before: `live, ${store.describe()}`, after: file });
  const written = writeResult(io, text, values.output);
  if (written !== 0) return written;
  return values['exit-code'] === true && !result.identical ? 1 : 0;
}

async function history(io: OssCliIo, store: RulesStore, values: OssValues): Promise<number> {
  const [versions, liveEtag] = await Promise.all([store.listVersions(), store.liveEtag()]);
  const rows = versions.map((kept) => ({ ...kept, live: kept.etag === liveEtag }));
  if (values.json === true) {
    const json = { location: store.describe(), liveEtag: liveEtag ?? null, versions: rows };
    return writeResult(io, `${JSON.stringify(json, null, 2)}\n`, values.output);
  }
  return writeResult(io, printHistory(store.describe(), rows, liveEtag), values.output);
}

/** The versions as a table, newest first, the live one starred. */
function printHistory(
  where: string,
  rows: readonly (KeptVersion & { readonly live: boolean })[],
  liveEtag: string | undefined,
): string {
  if (rows.length === 0) {
    return `no versions published at ${where}${liveEtag === undefined ? '' : ` (something is live: ETag ${liveEtag})`}\n`;
  }
  const width = Math.max(7, ...rows.map((row) => row.version.length));
  const lines = [
    `versions of ${where}, newest first (* live):`,
    `  ${'version'.padEnd(width)}  ${'published (UTC)'.padEnd(19)}  ${'bytes'.padStart(8)}  ETag`,
  ];
  for (const row of rows) {
    const published = new Date(row.published).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(
      `${row.live ? '*' : ' '} ${row.version.padEnd(width)}  ${published}  ${String(row.size).padStart(8)}  ${row.etag}`,
    );
  }
  if (liveEtag === undefined) lines.push('nothing is live');
  else if (!rows.some((row) => row.live))
    lines.push(`the live document (ETag ${liveEtag}) is none of these: it was uploaded another way`);
  return `${lines.join('\n')}\n`;
}

async function rollback(
  io: OssCliIo,
  store: RulesStore,
  version: string,
  dryRun: boolean,
  todayIn: (zone: string) => string,
): Promise<number> {
  const versionKey = store.versionKey(version);
  const label = store.describe(versionKey);
  const kept = await store.read(versionKey);
  if (kept === undefined)
    throw new CliError(
      `no version ${version} is kept at ${label}; \`npm run rules -- history ${store.describe()}\` lists them`,
    );
  // An emergency rollback is never blocked by a warning, but it says today's, as check would.
  const checked = checkDocument(io, label, parseRulesFileText(kept.text, versionKey), 'rolled back', {
    todayIn,
  });
  if (checked.rules.version !== version)
    throw new CliError(`${label} holds version ${checked.rules.version}, not ${version}: not rolled back`);
  const live = await store.read(store.location.key);
  if (live?.text === kept.text) {
    io.out(`version ${version} is already live at ${store.describe()}; nothing to do\n`);
    return 0;
  }
  const was =
    live === undefined
      ? 'nothing was live'
      : `it was version ${validateStored(store.describe(), live)?.version ?? '(not a valid rules document)'}`;
  if (dryRun) {
    io.out(`would roll ${store.describe()} back to version ${version}; ${was}\n`);
    return 0;
  }
  // What was checked is what goes live: the text read, not a server-side copy of whatever is there by then.
  const etag = await store.write(store.location.key, kept.text);
  io.out(`rolled ${store.describe()} back to version ${version}, ETag ${etag}; ${was}\n`);
  return 0;
}
