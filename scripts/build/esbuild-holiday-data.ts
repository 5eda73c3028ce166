/**
 * An esbuild plugin that keeps China's holiday data small in the function bundles. `chinese-days`' JSON
 * covers every year since 2004 with each holiday's names (37 KB); a call only ever asks about today. The
 * plugin serves shared/calendar/china-holidays.ts a copy with the same shape, every year from the one before
 * the build on, and no names, so the source (and the tests, which run it unbundled) need no change.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
import { listYears } from '../../shared/calendar/calendar-dates';

const namespace = 'holiday-data';

type DateTable = Record<string, string>;

function isDateTable(value: unknown): value is DateTable {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.entries(value).every(
      ([date, entry]) => /^\d{4}-\d{2}-\d{2}$/.test(date) && typeof entry === 'string',
    )
  );
}

/**
 * The package's `{holidays, workdays, inLieuDays}` with only the years from `fromYear` on, each date
 * mapped to `''`, and the years kept (those with a day off: the years the calendar counts as covered).
 * Every year from `fromYear` (or the newest in the package, if that is older) to the newest stays, so a
 * bundle never forgets a year it could know. Throws if the package changed its format.
 */
export function compactHolidayData(
  data: unknown,
  fromYear: number,
): {
  readonly table: Readonly<Record<'holidays' | 'workdays' | 'inLieuDays', DateTable>>;
  readonly years: readonly number[];
} {
  if (typeof data !== 'object' || data === null) throw new Error('chinese-days.json is not an object');
  const { holidays, workdays } = data as Record<string, unknown>;
  if (!isDateTable(holidays) || !isDateTable(workdays)) {
    throw new Error('chinese-days.json no longer has {holidays, workdays} keyed by date; check the package');
  }
  // The newest packaged year always stays, so a bundle built after the data ran out still knows it.
  const newest = Math.max(...Object.keys(holidays).map((date) => Number(date.slice(0, 4))));
  const from = Math.min(fromYear, newest);
  const keep = (table: DateTable): DateTable =>
    Object.fromEntries(
      Object.keys(table)
        .filter((date) => Number(date.slice(0, 4)) >= from)
        .sort()
        .map((date) => [date, '']),
    );
  // inLieuDays is not read by the calendar; it stays, empty, so the shape matches the type.
  const table = { holidays: keep(holidays), workdays: keep(workdays), inLieuDays: {} };
  const years = listYears(Object.keys(table.holidays));
  return { table, years };
}

function readPackageVersion(path: string): string {
  try {
    const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown version';
  } catch {
    return 'unknown version';
  }
}

/**
 * Replaces the import of `chinese-days/dist/chinese-days.json` with {@link compactHolidayData}'s copy,
 * keeping every year from `fromYear` on (default: the year before the build's, which covers every call
 * made while the bundle is deployed, including a build made on New Year's Day anywhere in the world).
 * `onYears` hears which years were kept, for the build to print.
 */
export function holidayDataPlugin(
  options: {
    readonly fromYear?: number;
    readonly onYears?: (kept: { readonly years: readonly number[]; readonly version: string }) => void;
  } = {},
): Plugin {
  const fromYear = options.fromYear ?? new Date().getUTCFullYear() - 1;
  return {
    name: 'holiday-data',
    setup(build) {
      build.onResolve({ filter: /^chinese-days\/dist\/chinese-days\.json$/ }, (args) => ({
        // Resolved from the importing file, as node would, so the installed package's file is read.
        path: createRequire(join(args.resolveDir, 'index.js')).resolve(args.path),
        namespace,
      }));
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        const { table, years } = compactHolidayData(JSON.parse(readFileSync(args.path, 'utf8')), fromYear);
        options.onYears?.({
          years,
          version: readPackageVersion(join(dirname(args.path), '..', 'package.json')),
        });
        return { contents: JSON.stringify(table), loader: 'json', watchFiles: [args.path] };
      });
    },
  };
}
