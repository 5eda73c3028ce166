/**
 * Finds the Alibaba Cloud credentials for the FC API, from the places a developer has already put them,
 * first found wins (an alias given with `--access` is read alone: see {@link findFcCredentials}):
 *
 * 1. `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and (for STS keys)
 *    `ALIBABA_CLOUD_SECURITY_TOKEN`, the names every Alibaba Cloud SDK and CLI reads, with
 *    `ALIBABA_CLOUD_ACCOUNT_ID`: FC's endpoint is per account, and the SDKs' variables do not carry it.
 * 2. `AccountID`, `AccessKeyID`, `AccessKeySecret` (and `SecurityToken`): what Serverless Devs itself reads
 *    from the environment, all three or none.
 * 3. `<alias>_serverless_devs_access`: Serverless Devs' CI form, a JSON object with those keys.
 * 4. The alias in Serverless Devs' access file, written by `s config add`: `~/.s/access.yaml`, or
 *    `$serverless_devs_config_home/.s/access.yaml`. `s` stores each value AES-encrypted with a passphrase
 *    fixed in its source (`SecretKey123`, CryptoJS's OpenSSL-compatible format): obfuscation, not
 *    protection, and read here the way `s` reads it back — a value that does not decrypt is taken as is.
 *
 * A half-set group is an error naming the missing variable, never a silent fall-through to the next.
 *
 * {@link findAccessKeys} reads the same places for an API that needs no account id (VMS's SmartCall, for
 * `npm run call`): the account id is then taken when given, never asked for.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { type FcCredentials, FcCredentialsSchema } from './fc-api';
import { readSmallFile } from './small-file';

/** The access file is a few hundred bytes per alias; a larger one is not `s`'s. */
const MAX_ACCESS_FILE_BYTES = 256 * 1024;

/** Serverless Devs' fixed passphrase for the values of access.yaml (see its credential package). */
const S_ACCESS_PASSPHRASE = 'SecretKey123';

export type CredentialsFound = Found<FcCredentials>;

/** An access key pair (and STS token), with the account id when the place it came from gives one. */
export type AccessKeys = Omit<FcCredentials, 'accountId'> & { readonly accountId?: string | undefined };
export type AccessKeysFound = Found<AccessKeys>;

type Found<Credentials> =
  | { readonly ok: true; readonly credentials: Credentials; readonly source: string }
  | { readonly ok: false; readonly message: string };

/** Whether the API the credentials are for needs the account id (FC's endpoint is per account). */
type AccountId = 'required' | 'optional';

const AccessKeysSchema = v.object({
  ...FcCredentialsSchema.entries,
  accountId: v.optional(FcCredentialsSchema.entries.accountId),
});

const schemaFor = (accountId: AccountId) =>
  accountId === 'required' ? FcCredentialsSchema : AccessKeysSchema;

type Env = Readonly<Record<string, string | undefined>>;

const SAccessSchema = v.looseObject({
  AccountID: v.union([v.string(), v.number()]),
  AccessKeyID: v.string(),
  AccessKeySecret: v.string(),
  SecurityToken: v.optional(v.string()),
});

const SAccessKeysSchema = v.looseObject({
  ...SAccessSchema.entries,
  AccountID: v.optional(SAccessSchema.entries.AccountID),
});

const AccessFileSchema = v.record(v.string(), v.unknown());

/** Decrypts one value of access.yaml as CryptoJS would (`AES.decrypt(value, passphrase)`), else returns it. */
function decryptAccessValue(value: string): string {
  const raw = Buffer.from(value, 'base64');
  if (raw.length < 32 || raw.subarray(0, 8).toString('latin1') !== 'Salted__') return value;
  // OpenSSL's EVP_BytesToKey with MD5, one round: 32 bytes of key, then 16 of IV.
  const salt = raw.subarray(8, 16);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  while (blocks.length * 16 < 48) {
    previous = createHash('md5')
      .update(Buffer.concat([previous, Buffer.from(S_ACCESS_PASSPHRASE), salt]))
      .digest();
    blocks.push(previous);
  }
  const material = Buffer.concat(blocks);
  try {
    const decipher = createDecipheriv('aes-256-cbc', material.subarray(0, 32), material.subarray(32, 48));
    const text = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8');
    return text === '' ? value : text;
  } catch {
    return value;
  }
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.') ?? '';
      return path === '' ? issue.message : `${path} ${issue.message}`;
    })
    .join('; ');
}

function checked(
  candidate: Record<string, string | undefined>,
  source: string,
  names: Readonly<Record<keyof FcCredentials, string>>,
  accountId: AccountId,
): Found<AccessKeys> {
  const parsed = v.safeParse(schemaFor(accountId), candidate);
  if (parsed.success) return { ok: true, credentials: parsed.output, source };
  // Name the variable (or key) the user wrote, not this module's field name.
  const issue = parsed.issues[0];
  const field = issue?.path?.[0]?.key as keyof FcCredentials | undefined;
  const name = field === undefined ? source : names[field];
  return { ok: false, message: `${name} ${issue?.message ?? 'is invalid'} (credentials from ${source})` };
}

function withoutEmpty(record: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined && value !== ''),
  );
}

/** The first group of variables with any member set, checked whole. */
function fromVariables(env: Env, accountId: AccountId): Found<AccessKeys> | undefined {
  const groups = [
    {
      names: {
        accountId: 'ALIBABA_CLOUD_ACCOUNT_ID',
        accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
        accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        securityToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
      },
    },
    {
      names: {
        accountId: 'AccountID',
        accessKeyId: 'AccessKeyID',
        accessKeySecret: 'AccessKeySecret',
        securityToken: 'SecurityToken',
      },
    },
  ] as const;
  for (const { names } of groups) {
    const values = withoutEmpty({
      accountId: env[names.accountId],
      accessKeyId: env[names.accessKeyId],
      accessKeySecret: env[names.accessKeySecret],
      securityToken: env[names.securityToken],
    });
    if (Object.keys(values).length === 0) continue;
    const needed = accountId === 'required' ? (['accountId'] as const) : [];
    const missing = (['accessKeyId', 'accessKeySecret', ...needed] as const).filter(
      (key) => !(key in values),
    );
    if (missing.length > 0) {
      return {
        ok: false,
        message: `${missing.map((key) => names[key]).join(' and ')} not set, while ${Object.keys(values)
          .map((key) => names[key as keyof typeof names])
          .join(' and ')} ${Object.keys(values).length === 1 ? 'is' : 'are'}`,
      };
    }
    return checked(values, 'environment variables', names, accountId);
  }
  return undefined;
}

const S_KEY_NAMES = {
  accountId: 'AccountID',
  accessKeyId: 'AccessKeyID',
  accessKeySecret: 'AccessKeySecret',
  securityToken: 'SecurityToken',
} as const;

function fromSAccess(
  record: unknown,
  source: string,
  decrypt: boolean,
  accountId: AccountId,
): Found<AccessKeys> {
  const parsed = v.safeParse(accountId === 'required' ? SAccessSchema : SAccessKeysSchema, record);
  if (!parsed.success) return { ok: false, message: `${source}: ${describeIssues(parsed.issues)}` };
  const read = (value: string | number | undefined) =>
    value === undefined ? undefined : decrypt ? decryptAccessValue(String(value)) : String(value);
  return checked(
    withoutEmpty({
      accountId: read(parsed.output.AccountID),
      accessKeyId: read(parsed.output.AccessKeyID),
      accessKeySecret: read(parsed.output.AccessKeySecret),
      securityToken: read(parsed.output.SecurityToken),
    }),
    source,
    S_KEY_NAMES,
    accountId,
  );
}

/** Where `s` keeps its access file. */
function findAccessFile(env: Env): string {
  return join(env.serverless_devs_config_home || homedir(), '.s', 'access.yaml');
}

function fromAccessFile(env: Env, alias: string, accountId: AccountId): Found<AccessKeys> | undefined {
  const path = findAccessFile(env);
  const read = readSmallFile(path, MAX_ACCESS_FILE_BYTES);
  if ('missing' in read) return undefined;
  if ('error' in read) return { ok: false, message: `${path}: ${read.error}` };
  let document: unknown;
  try {
    document = parseYaml(read.text, { maxAliasCount: 10 });
  } catch (error) {
    return { ok: false, message: `${path} is not YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  const parsed = v.safeParse(AccessFileSchema, document ?? {});
  if (!parsed.success) return { ok: false, message: `${path} is not a map of access aliases` };
  const entry = parsed.output[alias];
  if (entry === undefined) return undefined;
  return fromSAccess(entry, `${path} (alias ${alias})`, true, accountId);
}

/**
 * Finds the credentials (see the top of this file). `alias` is the Serverless Devs access alias given on
 * the command line (`--access`): when given, only that alias is read (its CI variable, then the access
 * file), whatever the environment variables say; without it, the variables first, then the alias
 * `default`. `source` says where they came from.
 */
export function findFcCredentials(env: Env, alias?: string): CredentialsFound {
  return find(env, alias, 'required') as CredentialsFound;
}

/**
 * The credentials for an API that needs no account id (VMS's SmartCall), from the same places and in the
 * same order as {@link findFcCredentials}; the account id is kept when one is given.
 */
export function findAccessKeys(env: Env, alias?: string): AccessKeysFound {
  return find(env, alias, 'optional');
}

function find(env: Env, alias: string | undefined, accountId: AccountId): Found<AccessKeys> {
  if (alias === undefined) {
    const fromEnv = fromVariables(env, accountId);
    if (fromEnv !== undefined) return fromEnv;
  }
  const name = alias ?? 'default';
  const ciName = `${name}_serverless_devs_access`;
  const ci = env[ciName];
  if (ci !== undefined && ci !== '') {
    let record: unknown;
    try {
      record = JSON.parse(ci);
    } catch {
      return { ok: false, message: `${ciName} is not a JSON object` };
    }
    return fromSAccess(record, ciName, false, accountId);
  }
  const fromFile = fromAccessFile(env, name, accountId);
  if (fromFile !== undefined) return fromFile;
  return {
    ok: false,
    message:
      alias === undefined
        ? `no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID${accountId === 'required' ? ', ' : ' and '}` +
          `ALIBABA_CLOUD_ACCESS_KEY_SECRET${accountId === 'required' ? ' and ALIBABA_CLOUD_ACCOUNT_ID' : ''}, ` +
          `or add the access alias ${name} with \`npx s config add\` (looked in ${findAccessFile(env)})`
        : `no access alias ${name}: add the access alias ${name} with \`npx s config add\`, or set ${ciName} ` +
          `(looked in ${findAccessFile(env)}; --access ${name} is read instead of the ALIBABA_CLOUD_* variables)`,
  };
}
