/**
 * Runs before `s deploy` (an s.yaml pre-deploy action): refuses to deploy functions that would be open
 * to anyone (no CALLBACK_SECRETS), whose call states could be forged (no STATE_SECRETS), whose inline
 * rules would fail validation on the first call, or whose environment is over FC's 4 KB (all variables
 * together, RULES included). Set ALLOW_OPEN_DEPLOY=1 to deploy an open test stage. Inline rules whose
 * holiday data runs out within 45 days, an environment from 3 KB, and a warm schedule (`npm run capacity`)
 * whose calendar period ends within 45 days, get a warning. A function's `cpu` and `memorySize` outside
 * what FC takes (steps, bounds, 1 to 4 GB a vCPU) are refused; a `memorySize` without `cpu` gets a warning.
 *
 *   npm run deploy:check
 *
 * Everything it says goes on stderr (it has no result). Exit codes: 0 fine, 1 refused, 2 bad command line.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  runWhenMain,
} from '../../dev/command-line';
import { ROOT } from '../../dev/fc-event';
import { isValidTimeZone, toLocalTime } from '../../shared/calendar/local-time';
import { describeScheduleEnd } from '../../shared/capacity/warm-schedule';
import { ConfigError, readConfig } from '../../shared/config/config';
import { checkInstanceSize, describeMissingCpu } from '../../shared/fc/instance-size';
import { describeShortfall, findHolidayDataShortfalls } from '../../shared/rules/holiday-coverage';
import { loadRules } from '../../shared/rules/load-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { readFunctionProps, readScheduledActions } from '../capacity/s-yaml-capacity';
import { measureEnvironment, readFunctionEnvironments } from './environment-size';
import { concurrencyProblems } from './instance-concurrency';

export const PROGRAM = {
  name: 'deploy:check',
  summary:
    "Checks the deployment's environment before `s deploy` (s.yaml runs it): secrets set, inline RULES valid, " +
    "all variables within FC's 4 KB, each function's cpu and memorySize a pair FC takes, the custom runtime's concurrency 1 to 64; warns of a warm " +
    'capacity schedule ending within 45 days.',
  single: true,
  options: {},
  commands: {
    'deploy:check': {
      summary: 'check the environment s deploy would deploy',
      positionals: [0, 0],
      options: [],
      example: '',
      details:
        'It reads the shell (and .env beside s.yaml), as s deploy does. ALLOW_OPEN_DEPLOY=1 lets a test stage\n' +
        'deploy without CALLBACK_SECRETS and STATE_SECRETS (a warning instead of a refusal).',
    },
  },
} as const satisfies ProgramSpec;

/** Where the check writes, the environment it checks, and s.yaml (the project's by default). */
export type CheckIo = CommandIo & {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly sYaml?: string;
};

export function main(argv: readonly string[], io: CheckIo = PROCESS_IO): number {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const env = io.env ?? process.env;
  const say = (line: string) => io.err(`deploy check: ${line}\n`);
  const refuse = (lines: readonly string[]) => {
    for (const line of lines) say(line);
    return EXIT.failed;
  };

  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(env);
  } catch (error) {
    return refuse([error instanceof ConfigError ? error.message : String(error)]);
  }

  // Every problem is listed at once, so that one deploy attempt shows all there is to fix.
  const problems: string[] = [];
  const open: string[] = [];
  if (config.callbackSecrets.length === 0) {
    open.push('CALLBACK_SECRETS is empty: anyone who finds the trigger URL could drive your calls');
  }
  if (!config.hasStateSecret) {
    open.push('STATE_SECRETS is empty: callers could forge their place in a flow');
  }
  const openAllowed = env.ALLOW_OPEN_DEPLOY === '1';
  if (open.length > 0 && !openAllowed) {
    problems.push(
      ...open,
      'set them (in the shell or a .env beside s.yaml), or ALLOW_OPEN_DEPLOY=1 for a test stage',
    );
  }
  const warnings = openAllowed ? [...open] : [];
  if (config.rulesJson !== undefined) {
    const loaded = loadRules(config, parseYaml);
    if (!loaded.ok) {
      problems.push(
        'RULES is invalid:',
        ...loaded.issues.map((issue) => `  ${issue.path}: ${issue.message}`),
      );
    } else {
      // Deploys still go ahead: the calendars' noHolidayData policies decide until the year is added.
      const now = Date.now();
      for (const shortfall of findHolidayDataShortfalls(
        loaded.compiled,
        (zone) => toLocalTime(now, zone).date,
      )) {
        warnings.push(describeShortfall(shortfall));
      }
    }
  }
  // RULES as s.yaml renders it; without s.yaml, as the shell has it.
  const environments = readFunctionEnvironments(env, io.sYaml);
  const size = measureEnvironment(environments.ok ? undefined : (env.RULES ?? ''), environments);
  if (size.level === 'over') problems.push(size.message);
  else if (size.level === 'warning') warnings.push(size.message);
  const sYamlText = readSYaml(io.sYaml ?? join(ROOT, 's.yaml'));
  warnings.push(...scheduleWarnings(sYamlText, Date.now()));
  const sizes = sizeProblems(sYamlText);
  problems.push(...sizes.problems);
  warnings.push(...sizes.warnings);
  problems.push(...concurrencyProblems(env));
  if (problems.length > 0) return refuse(problems);
  for (const warning of warnings) say(`warning: ${warning}`);
  if (size.level === 'ok') say(size.message);
  say('environment ok');
  return EXIT.ok;
}

/** s.yaml's text, or undefined when it cannot be read: the environment check says so. */
function readSYaml(sYaml: string): string | undefined {
  try {
    return readFileSync(sYaml, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Each function's `cpu` and `memorySize` against FC's rules (shared/fc/instance-size.ts): a pair FC
 * would refuse is a problem, a `memorySize` without `cpu` a warning. A function giving neither gets the
 * fc3 component's default pair (512 MB, 0.35 vCPU), which FC takes.
 */
function sizeProblems(text: string | undefined): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const [fn, props] of readFunctionProps(text ?? '')) {
    if (props.cpu === undefined && props.memorySize === undefined) continue;
    problems.push(...checkInstanceSize(fn, props));
    if (props.cpu === undefined) warnings.push(describeMissingCpu(fn, props.memorySize));
  }
  return { problems, warnings };
}

/**
 * The warnings of the functions' warm schedules in s.yaml (`npm run capacity`): a calendar period ending
 * within 45 days, or ended. None when s.yaml cannot be read.
 */
function scheduleWarnings(text: string | undefined, now: number): string[] {
  if (text === undefined) return [];
  return CAPACITY_FUNCTIONS.flatMap((fn) => {
    const actions = readScheduledActions(text, fn);
    const zone = actions[0]?.timeZone;
    if (zone === undefined || !isValidTimeZone(zone)) return [];
    const warning = describeScheduleEnd(fn, actions, toLocalTime(now, zone).date);
    return warning === undefined ? [] : [warning];
  });
}

/** The functions `npm run capacity` keeps warm. */
const CAPACITY_FUNCTIONS = ['inbound', 'outbound'] as const;

runWhenMain(import.meta.filename, main);
