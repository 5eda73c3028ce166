/**
 * An esbuild plugin that keeps China's holiday data small in the function bundles. `chinese-days`' JSON
 * covers every year since 2004 with each holiday's names (37 KB); a call only ever asks about today. The
 * plugin serves shared/calendar/china-holidays.ts a copy with the same shape but only recent years and no
 * names, so the source (and the tests, which run it unbundled) need no change.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

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
 * The package's `{holidays, workdays, inLieuDays}` with only the dates from `fromDate` (`YYYY-MM-DD`) on,
 * each mapped to `''`. The latest year in the data is always kept, so a bundle built after the data ran
 * out still knows where it ends (`CHINA_HOLIDAY_YEARS`). Throws if the package changed its format.
 */
export function compactHolidayData(data: unknown, fromDate: string): Record<string, DateTable> {
  if (typeof data !== 'object' || data === null) throw new Error('chinese-days.json is not an object');
  const { holidays, workdays } = data as Record<string, unknown>;
  if (!isDateTable(holidays) || !isDateTable(workdays)) {
    throw new Error('chinese-days.json no longer has {holidays, workdays} keyed by date; check the package');
  }
  const lastYear = Math.max(...Object.keys(holidays).map((date) => Number(date.slice(0, 4))));
  const lastYearStart = `${lastYear}-01-01`;
  const keepFrom = fromDate < lastYearStart ? fromDate : lastYearStart;
  const keep = (table: DateTable): DateTable =>
    Object.fromEntries(
      Object.keys(table)
        .filter((date) => date >= keepFrom)
        .sort()
        .map((date) => [date, '']),
    );
  // inLieuDays is not read by the calendar; it stays, empty, so the shape matches the type.
  return { holidays: keep(holidays), workdays: keep(workdays), inLieuDays: {} };
}

/**
 * Replaces the import of `chinese-days/dist/chinese-days.json` with {@link compactHolidayData}'s copy,
 * keeping the dates from `fromDate` on (default: December 1st of the year before the build, which covers
 * every call made while the bundle is deployed, including New Year's make-up days around a build made on
 * January 1st anywhere in the world).
 */
export function holidayDataPlugin(options: { readonly fromDate?: string } = {}): Plugin {
  const fromDate = options.fromDate ?? `${new Date().getUTCFullYear() - 1}-12-01`;
  return {
    name: 'holiday-data',
    setup(build) {
      build.onResolve({ filter: /^chinese-days\/dist\/chinese-days\.json$/ }, (args) => ({
        // Resolved from the importing file, as node would, so the installed package's file is read.
        path: createRequire(join(args.resolveDir, 'index.js')).resolve(args.path),
        namespace,
      }));
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: JSON.stringify(compactHolidayData(JSON.parse(readFileSync(args.path, 'utf8')), fromDate)),
        loader: 'json',
        watchFiles: [args.path],
      }));
    },
  };
}
