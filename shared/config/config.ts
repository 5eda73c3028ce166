import * as v from 'valibot';
import type { OssAddress } from '../oss/oss-address';
import { OssEndpointSchema, OssRegionSchema, OssUrlSchema } from '../oss/oss-schemas';

/** A comma-separated list, entries trimmed, empty ones dropped. */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Comma-separated list of secrets; each at least 16 characters so that none can be guessed. */
const SecretListSchema = v.pipe(
  v.string(),
  v.transform(splitList),
  v.check((list) => list.every((x) => x.length >= 16), 'each secret must be at least 16 characters'),
  v.check(
    (list) => list.every((x) => /^[A-Za-z0-9._~-]+$/.test(x)),
    'secrets may only use A–Z a–z 0–9 . _ ~ -',
  ),
);

const optionalText = v.optional(
  v.pipe(
    v.string(),
    v.trim(),
    v.transform((s) => (s === '' ? undefined : s)),
  ),
);

/** A variable read by `schema` when set; empty or unset is `undefined`. The schema's own message is kept. */
function optionalOf<T>(schema: v.GenericSchema<string, T>) {
  return v.pipe(
    optionalText,
    v.rawTransform(({ dataset, addIssue, NEVER }): T | undefined => {
      if (dataset.value === undefined) return undefined;
      const parsed = v.safeParse(schema, dataset.value);
      if (parsed.success) return parsed.output;
      addIssue({ message: parsed.issues[0].message });
      return NEVER;
    }),
  );
}

/** Log levels, least severe first: `LOG_LEVEL` takes one, and the logger ranks lines by them. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How long a callback may take by default, ms: well under a second, far over a warm reply (≈ 0.2 ms). */
const DEFAULT_CALLBACK_BUDGET_MS = 400;

/** The largest rules file read by default: a real document is tens of KB; 4 MB keeps parsing bounded. */
export const DEFAULT_RULES_MAX_BYTES = 4 * 1024 * 1024;

/** How often rules from OSS or a file are looked at again by default, seconds. */
const DEFAULT_RULES_CHECK_SECONDS = 30;

/** How long a cold start waits for a rules file by default, ms: under the callback budget. */
const DEFAULT_RULES_LOAD_BUDGET_MS = 300;

/** A whole number in a variable, `min` to `max`; empty means `fallback`. */
function integerVariable(fallback: number, min: number, max: number, example: string) {
  return v.pipe(
    v.optional(v.string(), ''),
    v.trim(),
    v.transform((s) => (s === '' ? String(fallback) : s)),
    v.regex(/^[0-9]{1,9}$/, `write a whole number of ${example}`),
    v.transform(Number),
    v.minValue(min, `at least ${min}`),
    v.maxValue(max, `at most ${max}`),
  );
}

/** The environment the functions read. Names never start with `FC_` (reserved by Function Compute). */
export const EnvSchema = v.object({
  /** Secrets accepted as the last path segment or `?token=`; several during rotation. Unset = open. */
  CALLBACK_SECRETS: v.optional(SecretListSchema, ''),
  /** Keys that sign `dynamic_id`; the first signs, all verify (rotation). */
  STATE_SECRETS: v.optional(SecretListSchema, ''),
  /**
   * Keys that open a SmartCall `DynamicId` sealed by the system placing outbound calls (it holds them
   * too, and seals with the first); all open (rotation). Unset: such a DynamicId is refused.
   */
  OUTBOUND_SECRETS: v.optional(SecretListSchema, ''),
  /** A rules document as JSON, inline. The whole environment is limited to 4 KB on FC. */
  RULES: optionalText,
  /** Path of a rules document (JSON), e.g. on an OSS bucket mounted with `ossMountConfig`. */
  RULES_FILE: optionalText,
  /** An OSS object holding the rules document, `oss://bucket/key`, read with the function role's credentials. */
  RULES_URL: optionalOf(OssUrlSchema),
  /** The OSS endpoint for `RULES_URL`; the region's internal endpoint by default. */
  RULES_OSS_ENDPOINT: optionalOf(OssEndpointSchema),
  /** The region of `RULES_URL`'s bucket (`cn-hangzhou`); the function's own region by default. */
  RULES_OSS_REGION: optionalOf(OssRegionSchema),
  /**
   * How often a `RULES_URL` or `RULES_FILE` is looked at again, seconds (default 30); 0 looks on every
   * callback (a staging function, a test), never more than one look at a time.
   */
  RULES_CHECK_SECONDS: integerVariable(DEFAULT_RULES_CHECK_SECONDS, 0, 3600, 'seconds, such as 30'),
  /** A small rules document served when `RULES_URL` or `RULES_FILE` cannot be read in time at a cold start. */
  RULES_EMERGENCY: optionalText,
  /** The largest rules document read from `RULES_URL` or `RULES_FILE`, bytes (default 4 MB): a larger one is refused unread. */
  RULES_MAX_BYTES: integerVariable(DEFAULT_RULES_MAX_BYTES, 1024, 64 * 1024 * 1024, 'bytes, such as 4194304'),
  /** How long a cold start waits for `RULES_URL` or `RULES_FILE`, ms (default 300); then the emergency document answers. */
  RULES_LOAD_BUDGET_MS: integerVariable(
    DEFAULT_RULES_LOAD_BUDGET_MS,
    10,
    10_000,
    'milliseconds, such as 300',
  ),
  /**
   * The time a callback may take, ms (default 400): past it the call gets the safe reply rather than
   * silence. VMS documents no timeout; a caller hears nothing while we think. Empty means the default.
   */
  CALLBACK_BUDGET_MS: integerVariable(DEFAULT_CALLBACK_BUDGET_MS, 50, 10_000, 'milliseconds, such as 400'),
  /** `debug`, `info` (default), `warn` or `error`; empty means unset, as s.yaml renders unset variables. */
  LOG_LEVEL: v.pipe(
    v.optional(v.string(), ''),
    v.trim(),
    v.transform((s) => (s === '' ? 'info' : s)),
    v.picklist(LOG_LEVELS),
  ),
});

export type Config = {
  readonly callbackSecrets: readonly string[];
  /** Never empty: without configured keys, a fixed development key is used (and warned about). */
  readonly stateSecrets: readonly [string, ...string[]];
  readonly hasStateSecret: boolean;
  /** May be empty: then no sealed DynamicId opens (there is no development key to forge one with). */
  readonly outboundSecrets: readonly string[];
  readonly rulesJson: string | undefined;
  readonly rulesFile: string | undefined;
  readonly rulesUrl: OssAddress | undefined;
  /** `RULES_OSS_ENDPOINT`, without a trailing slash. */
  readonly rulesOssEndpoint: string | undefined;
  readonly rulesOssRegion: string | undefined;
  readonly rulesCheckMs: number;
  readonly logLevel: LogLevel;
  readonly callbackBudgetMs: number;
  readonly rulesEmergency: string | undefined;
  readonly rulesMaxBytes: number;
  readonly rulesLoadBudgetMs: number;
};

/** Used when STATE_SECRETS is unset, so that a local run works; states are then forgeable. */
const DEVELOPMENT_STATE_KEY = 'vms-callflow-development-key-not-for-production';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the configuration from an environment; throws {@link ConfigError} naming the bad variable. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new ConfigError(`environment variable ${v.getDotPath(issue) ?? '?'} is invalid: ${issue.message}`);
  }
  const out = parsed.output;
  const [firstKey, ...otherKeys] = out.STATE_SECRETS;
  // The system that seals DynamicIds holds OUTBOUND_SECRETS: sharing a key would let it forge call states.
  if (out.OUTBOUND_SECRETS.some((key) => out.STATE_SECRETS.includes(key))) {
    throw new ConfigError(
      'environment variable OUTBOUND_SECRETS is invalid: it repeats a key of STATE_SECRETS; give it keys of its own',
    );
  }
  return {
    callbackSecrets: out.CALLBACK_SECRETS,
    stateSecrets: firstKey === undefined ? [DEVELOPMENT_STATE_KEY] : [firstKey, ...otherKeys],
    hasStateSecret: firstKey !== undefined,
    outboundSecrets: out.OUTBOUND_SECRETS,
    rulesJson: out.RULES,
    rulesFile: out.RULES_FILE,
    rulesUrl: out.RULES_URL,
    rulesOssEndpoint: out.RULES_OSS_ENDPOINT,
    rulesOssRegion: out.RULES_OSS_REGION,
    rulesCheckMs: out.RULES_CHECK_SECONDS * 1000,
    logLevel: out.LOG_LEVEL,
    callbackBudgetMs: out.CALLBACK_BUDGET_MS,
    rulesEmergency: out.RULES_EMERGENCY,
    rulesMaxBytes: out.RULES_MAX_BYTES,
    rulesLoadBudgetMs: out.RULES_LOAD_BUDGET_MS,
  };
}

let cached: { readonly config: Config } | { readonly error: unknown } | undefined;

/**
 * The process's configuration, read once (a bad environment too: its error is thrown again without
 * re-reading). The only place that touches `process.env`.
 */
export function getConfig(): Config {
  if (cached === undefined) {
    try {
      cached = { config: readConfig(process.env) };
    } catch (error) {
      cached = { error };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.config;
}

/**
 * The callback secrets as written in `CALLBACK_SECRETS`, even when the rest of the environment (or the
 * secrets' own format) is invalid: the gate must never open because another variable has a typo.
 */
function readCallbackSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return splitList(env.CALLBACK_SECRETS ?? '');
}

/**
 * `OUTBOUND_SECRETS` of an environment, for the command that seals DynamicIds on the sender's side, read
 * through the functions' own schema; throws {@link ConfigError} naming the variable (never its value).
 */
export function readOutboundSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const parsed = v.safeParse(EnvSchema.entries.OUTBOUND_SECRETS, env.OUTBOUND_SECRETS);
  if (parsed.success) return parsed.output;
  throw new ConfigError(`environment variable OUTBOUND_SECRETS is invalid: ${parsed.issues[0].message}`);
}

let cachedSecrets: readonly string[] | undefined;

/** {@link readCallbackSecrets} of the process environment, read once. */
export function getCallbackSecrets(): readonly string[] {
  cachedSecrets ??= readCallbackSecrets(process.env);
  return cachedSecrets;
}

/** Credentials in the usual Alibaba Cloud variables, for a host without a function role (a local try-out). */
export type EnvironmentCredentials = {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string | undefined;
};

/**
 * `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and `ALIBABA_CLOUD_SECURITY_TOKEN`,
 * read on every call (FC sets them with a role's temporary keys, which rotate), and `FC_REGION`, the
 * region FC runs the function in. Undefined when the pair is incomplete.
 */
export function getEnvironmentCredentials(): EnvironmentCredentials | undefined {
  return readAccessKeyPair(process.env);
}

/** The usual Alibaba Cloud AccessKey variables of an environment, trimmed; undefined without the pair. */
export function readAccessKeyPair(
  env: Readonly<Record<string, string | undefined>>,
): EnvironmentCredentials | undefined {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET?.trim();
  if (!accessKeyId || !accessKeySecret) return undefined;
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim() || undefined,
  };
}

/** The region FC runs this function in (`FC_REGION`, set by FC), if any. */
export function getPlatformRegion(): string | undefined {
  return process.env.FC_REGION?.trim() || undefined;
}

/**
 * An environment variable a rules document names (a lookup's header secret), read on every use: the
 * caller bounds which names may be read (`LOOKUP_…` only), and the value is never logged.
 */
export function getNamedVariable(name: string): string | undefined {
  return Object.hasOwn(process.env, name) ? process.env[name] : undefined;
}

declare const __BUILD_VERSION__: string | undefined;

/** Set by the build (git commit and date); `dev` when running from source. */
export const BUILD_VERSION: string = typeof __BUILD_VERSION__ === 'string' ? __BUILD_VERSION__ : 'dev';
