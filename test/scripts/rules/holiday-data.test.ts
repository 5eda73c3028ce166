import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { compactHolidayData } from '../../../scripts/build/esbuild-holiday-data';
import { findPackageYears, type HolidayPackage, main } from '../../../scripts/rules/holidays';
import { LAST_PACKAGED_YEAR as LAST } from '../../support/holiday-years';

describe('compactHolidayData (the bundles’ holiday table)', () => {
  it('keeps every year from the one given to the newest, dates only', () => {
    const { table, years } = compactHolidayData(chineseDays, LAST - 1);
    assert.deepEqual(years, [LAST - 1, LAST]);
    const kept = (dates: string[]) => dates.filter((date) => Number(date.slice(0, 4)) >= LAST - 1).sort();
    assert.deepEqual(Object.keys(table.holidays), kept(Object.keys(chineseDays.holidays)));
    assert.deepEqual(Object.keys(table.workdays), kept(Object.keys(chineseDays.workdays)));
    assert.equal(table.holidays[`${LAST - 2}-10-01`], undefined);
    assert.ok(
      Object.values(table.holidays).every((value) => value === ''),
      'dates only, no names',
    );
  });

  it('keeps the newest year even when built after it, so a bundle knows where its data ends', () => {
    assert.deepEqual(compactHolidayData(chineseDays, LAST + 4).years, [LAST]);
  });

  it('refuses a package whose format changed', () => {
    assert.throws(() => compactHolidayData({ days: {} }, 2025), /check the package/);
  });
});

describe('npm run holidays', () => {
  const installed: HolidayPackage = { version: '1.5.7', years: findPackageYears(chineseDays) };
  const run = (args: string[], latest: () => HolidayPackage) => {
    let out = '';
    let err = '';
    const status = main(
      args,
      { out: (t) => (out += t), err: (t) => (err += t) },
      {
        readInstalled: () => installed,
        fetchLatest: latest,
      },
    );
    return { status, out, err };
  };

  it('prints the installed version and years', () => {
    const { status, out } = run([], () => assert.fail('no registry without --latest'));
    assert.equal(status, 0);
    assert.equal(out.split('\n')[0], `installed: chinese-days 1.5.7, holiday years 2004–${LAST}`);
  });

  it('says what a newer version adds, and what to do', () => {
    const { out } = run(['--latest'], () => ({ version: '1.6.0', years: [...installed.years, LAST + 1] }));
    assert.match(out, new RegExp(`newest: chinese-days 1\\.6\\.0, holiday years 2004–${LAST + 1}\n`));
    assert.match(
      out,
      new RegExp(`chinese-days 1\\.6\\.0 adds ${LAST + 1}: npm install chinese-days@1\\.6\\.0`),
    );
  });

  it('points to the rules document when the registry has nothing newer, and fails clearly offline', () => {
    assert.match(
      run(['--latest'], () => installed).out,
      /no newer years on the registry: add a year .* holidaySchedules\.cn/,
    );
    const offline = run(['--latest'], () => {
      throw new Error('getaddrinfo ENOTFOUND');
    });
    assert.equal(offline.status, 1);
    assert.match(
      offline.err,
      /cannot read the newest chinese-days from the registry \(getaddrinfo ENOTFOUND\)/,
    );
  });
});
