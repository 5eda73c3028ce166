/**
 * Which years of China's holiday schedule the `chinese-days` package covers: the installed version, and
 * with `--latest` the newest on the registry, so an operator can tell whether updating it would help.
 *
 *   npm run holidays                 the installed package's version and years
 *   npm run holidays -- --latest     also the newest published version and its years (asks the registry)
 *
 * Exit codes: 0 answered, 1 the registry or the package could not be read, 2 the command line is wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  runWhenMain,
} from '../../dev/command-line';
import { ROOT } from '../../dev/fc-event';
import { listYears } from '../../shared/calendar/calendar-dates';
import { formatYearRuns } from '../../shared/rules/holiday-coverage';

/** A version of the package and the years its schedule covers (those with days off), in order. */
export type HolidayPackage = { readonly version: string; readonly years: readonly number[] };

export type HolidaysIo = CommandIo;

export const PROGRAM = {
  name: 'holidays',
  summary:
    "Which years of China's holiday schedule the installed chinese-days package covers, and with --latest the newest version's years.",
  single: true,
  options: {
    latest: {
      type: 'boolean',
      help: 'also ask the npm registry for the newest version and the years it adds',
    },
  },
  commands: {
    holidays: {
      summary: 'the installed holiday data, and the newest',
      positionals: [0, 0],
      options: ['latest'],
      example: '--latest',
    },
  },
} as const satisfies ProgramSpec;

export type HolidaysDeps = {
  readonly readInstalled: () => HolidayPackage;
  readonly fetchLatest: () => HolidayPackage;
};

const PACKAGE = 'chinese-days';
const DATA_FILE = 'dist/chinese-days.json';

/** The years of a `chinese-days.json`: every year with at least one day off, as the calendar counts them. */
export function findPackageYears(data: unknown): number[] {
  const holidays = (data as { holidays?: unknown } | null)?.holidays;
  if (holidays === null || typeof holidays !== 'object')
    throw new Error(`${DATA_FILE} has no holidays table`);
  return listYears(Object.keys(holidays).filter((date) => /^\d{4}-\d{2}-\d{2}$/.test(date)));
}

function readInstalled(): HolidayPackage {
  const require = createRequire(import.meta.filename);
  const dataPath = require.resolve(`${PACKAGE}/${DATA_FILE}`);
  const packageJson = JSON.parse(readFileSync(join(dirname(dataPath), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    version: packageJson.version,
    years: findPackageYears(JSON.parse(readFileSync(dataPath, 'utf8'))),
  };
}

/** Downloads the newest published tarball with npm itself (its registry settings) and reads its data. */
function fetchLatest(): HolidayPackage {
  const dir = mkdtempSync(join(tmpdir(), 'chinese-days-'));
  try {
    const npm = (args: string[]) =>
      execFileSync('npm', args, {
        // From the project, so that its .npmrc (a registry mirror, say) applies.
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    const version = npm(['view', `${PACKAGE}@latest`, 'version']).trim();
    const packed = JSON.parse(
      npm(['pack', `${PACKAGE}@${version}`, '--json', '--pack-destination', dir]),
    ) as {
      filename: string;
    }[];
    const tarball = join(dir, packed[0]?.filename ?? '');
    execFileSync('tar', ['-xzf', tarball, '-C', dir, `package/${DATA_FILE}`]);
    const data: unknown = JSON.parse(readFileSync(join(dir, 'package', DATA_FILE), 'utf8'));
    return { version, years: findPackageYears(data) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(what: string, pkg: HolidayPackage): string {
  return `${what}: ${PACKAGE} ${pkg.version}, holiday years ${formatYearRuns(pkg.years)}\n`;
}

export function main(
  argv: readonly string[],
  io: HolidaysIo = PROCESS_IO,
  deps: HolidaysDeps = { readInstalled, fetchLatest },
): number {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const latest = read.line.values.latest === true;
  let installed: HolidayPackage;
  try {
    installed = deps.readInstalled();
  } catch (error) {
    io.err(`cannot read the installed ${PACKAGE} (${String(error)}); run npm ci\n`);
    return EXIT.failed;
  }
  io.out(describe('installed', installed));
  if (!latest) {
    io.out('run with -- --latest to compare with the newest version on the registry\n');
    return 0;
  }
  let newest: HolidayPackage;
  try {
    newest = deps.fetchLatest();
  } catch (error) {
    io.err(
      `cannot read the newest ${PACKAGE} from the registry (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return 1;
  }
  io.out(describe('newest', newest));
  const added = newest.years.filter((year) => !installed.years.includes(year));
  if (added.length === 0) {
    io.out(
      `no newer years on the registry: add a year that has just been published to holidaySchedules.cn in the rules\n`,
    );
  } else {
    io.out(
      `${PACKAGE} ${newest.version} adds ${added.join(', ')}: npm install ${PACKAGE}@${newest.version}, ` +
        'check the dates (npm run rules -- schedule), build and redeploy; holidaySchedules.cn covers the meantime\n',
    );
  }
  return 0;
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));
