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
 * The package's `{holidays, workdays, inLieuDays}` with only the dates of years from `fromYear`, each
 * mapped to `''`. The latest year in the data is always kept, so a bundle built after the data ran out
 * still knows where it ends (`CHINA_HOLIDAY_YEARS`). Throws if the package changed its format.
 */
export function compactHolidayData(data: unknown, fromYear: number): Record<string, DateTable> {
  if (typeof data !== 'object' || data === null) throw new Error('chinese-days.json is not an object');
  const { holidays, workdays } = data as Record<string, unknown>;
  if (!isDateTable(holidays) || !isDateTable(workdays)) {
    throw new Error('chinese-days.json no longer has {holidays, workdays} keyed by date; check the package');
  }
  const lastYear = Math.max(...Object.keys(holidays).map((date) => Number(date.slice(0, 4))));
  const keepFrom = Math.min(fromYear, lastYear);
  const keep = (table: DateTable): DateTable =>
    Object.fromEntries(
      Object.keys(table)
        .filter((date) => Number(date.slice(0, 4)) >= keepFrom)
        .sort()
        .map((date) => [date, '']),
    );
  // inLieuDays is not read by the calendar; it stays, empty, so the shape matches the type.
  return { holidays: keep(holidays), workdays: keep(workdays), inLieuDays: {} };
}

/**
 * Replaces the import of `chinese-days/dist/chinese-days.json` with {@link compactHolidayData}'s copy,
 * keeping the years from `fromYear` (default: the year before the build's year, which covers any call
 * made while the bundle is deployed, and the previous year around New Year in any zone).
 */
export function holidayDataPlugin(options: { readonly fromYear?: number } = {}): Plugin {
  const fromYear = options.fromYear ?? new Date().getFullYear() - 1;
  return {
    name: 'holiday-data',
    setup(build) {
      build.onResolve({ filter: /^chinese-days\/dist\/chinese-days\.json$/ }, (args) => ({
        // Resolved from the importing file, as node would, so the installed package's file is read.
        path: createRequire(join(args.resolveDir, 'index.js')).resolve(args.path),
        namespace,
      }));
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: JSON.stringify(compactHolidayData(JSON.parse(readFileSync(args.path, 'utf8')), fromYear)),
        loader: 'json',
        watchFiles: [args.path],
      }));
    },
  };
}
