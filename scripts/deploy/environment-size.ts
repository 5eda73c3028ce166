/**
 * How much of Function Compute's 4 KB environment a function's variables take: FC limits ALL of a
 * function's environment variables together (names and values) to 4 KB, and inline `RULES` shares that
 * space with every other variable s.yaml sets. `rules compile` and `deploy:check` both measure with
 * {@link measureEnvironment}, so that they agree on the count, the thresholds and the advice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { parse } from 'yaml';
import { ROOT } from '../../dev/fc-event';

/** FC's limit on all of a function's environment variables together, names and values, in bytes. */
export const FC_ENVIRONMENT_LIMIT_BYTES = 4096;
/** From this size on, the measure is a warning: the next edit of the rules may not fit. */
export const ENVIRONMENT_WARNING_BYTES = 3072;

/** The functions that read `RULES`, as s.yaml names its resources. */
const RULES_FUNCTIONS = ['inbound', 'outbound'] as const;

/** What s.yaml says of the functions, as far as their environment goes. */
const SYamlSchema = v.object({
  resources: v.record(
    v.string(),
    v.looseObject({
      props: v.looseObject({
        environmentVariables: v.optional(v.record(v.string(), v.unknown())),
      }),
    }),
  ),
});

/** Each function's variables as `s` would render them from this shell, or why s.yaml could not be read. */
export type FunctionEnvironments =
  | { readonly ok: true; readonly functions: Readonly<Record<string, Readonly<Record<string, string>>>> }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads the environment variables s.yaml sets for the functions that read `RULES`, rendering each
 * `${env('NAME', 'default')}` as `s` does: from the shell (`env`), else a `.env` beside s.yaml, else the
 * default.
 */
export function readFunctionEnvironments(
  env: Readonly<Record<string, string | undefined>>,
  sYaml = join(ROOT, 's.yaml'),
): FunctionEnvironments {
  let document: unknown;
  try {
    document = parse(readFileSync(sYaml, 'utf8'), { merge: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, reason: `${sYaml}: ${typeof code === 'string' ? code : String(error)}` };
  }
  const parsed = v.safeParse(SYamlSchema, document);
  if (!parsed.success) return { ok: false, reason: `${sYaml} declares no resources with props` };
  const dotEnv = readDotEnv(join(sYaml, '..', '.env'));
  const lookUp = (name: string) => env[name] ?? dotEnv[name];
  const functions: Record<string, Record<string, string>> = {};
  for (const name of RULES_FUNCTIONS) {
    const variables = parsed.output.resources[name]?.props.environmentVariables;
    if (variables === undefined) continue;
    functions[name] = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, renderEnv(String(value ?? ''), lookUp)]),
    );
  }
  if (Object.keys(functions).length === 0)
    return { ok: false, reason: `${sYaml} sets no environmentVariables for ${RULES_FUNCTIONS.join(' or ')}` };
  return { ok: true, functions };
}

/** `${env('NAME', 'default')}` (and `${env('NAME')}`) rendered; other expressions are counted as written. */
function renderEnv(text: string, lookUp: (name: string) => string | undefined): string {
  return text.replace(
    /\$\{env\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\}/g,
    (_whole, name: string, fallback: string | undefined) => lookUp(name) ?? fallback ?? '',
  );
}

/** `NAME=value` lines of a `.env` file (comments, `export ` and quotes allowed); none when there is no file. */
function readDotEnv(file: string): Readonly<Record<string, string>> {
  if (!existsSync(file)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** Bytes FC counts for a set of variables: every name and value, UTF-8. */
function countBytes(variables: Readonly<Record<string, string>>): number {
  return Object.entries(variables).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
}

/** The environment measured against FC's limit: how full, and one line that says it and what to do. */
export type EnvironmentSize = {
  readonly level: 'ok' | 'warning' | 'over';
  readonly bytes: number;
  readonly message: string;
};

/**
 * Measures the largest environment of the functions that read `RULES`, with `rules` as its `RULES`
 * (undefined: `RULES` as s.yaml renders it). Without s.yaml, `RULES` is counted alone, and the message
 * says so.
 */
export function measureEnvironment(
  rules: string | undefined,
  environments: FunctionEnvironments,
): EnvironmentSize {
  if (!environments.ok) {
    const bytes = countBytes({ RULES: rules ?? '' });
    return judge(
      bytes,
      `RULES alone, name and value, is ${bytes} bytes (s.yaml could not be read: ${environments.reason}; counted RULES alone)`,
    );
  }
  const measured = Object.entries(environments.functions).map(([name, variables]) => {
    const all = rules === undefined ? variables : { ...variables, RULES: rules };
    const { RULES: inline = '', ...others } = all;
    return { name, bytes: countBytes(all), inline, others };
  });
  const largest = measured.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const otherCount = Object.keys(largest.others).length;
  const names = measured.map((entry) => entry.name).join(' and ');
  return judge(
    largest.bytes,
    `the environment of ${largest.name} is ${largest.bytes} bytes: RULES ${Buffer.byteLength(largest.inline)} ` +
      `bytes, and the ${otherCount} other variables s.yaml sets for ${names} ${countBytes(largest.others)} bytes ` +
      '(names and values, as this shell and .env render them)',
  );
}

function judge(bytes: number, counted: string): EnvironmentSize {
  const limit = `FC's limit of ${FC_ENVIRONMENT_LIMIT_BYTES} bytes for all of a function's environment variables together`;
  if (bytes > FC_ENVIRONMENT_LIMIT_BYTES) {
    return {
      level: 'over',
      bytes,
      message:
        `${counted}: over ${limit}; publish the rules to OSS (npm run rules -- publish <file> oss://bucket/key) ` +
        'and set RULES_URL instead of RULES, or ship them with the code (npm run build -- --rules <file>, ' +
        'then RULES_FILE=/code/rules.json)',
    };
  }
  if (bytes >= ENVIRONMENT_WARNING_BYTES) {
    return {
      level: 'warning',
      bytes,
      message:
        `${counted}: near ${limit}; move the rules to OSS (npm run rules -- publish, then RULES_URL) ` +
        'before the next edit outgrows it',
    };
  }
  return { level: 'ok', bytes, message: `${counted}, within ${limit}` };
}
