import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { compactHolidayData } from '../../scripts/esbuild-holiday-data';
import { findPackageYears, type HolidayPackage, main } from '../../scripts/holidays';

describe('compactHolidayData (the bundles’ holiday table)', () => {
  it('keeps every year from the one given to the newest, dates only', () => {
    const { table, years } = compactHolidayData(chineseDays, 2025);
    assert.deepEqual(years, [2025, 2026]);
    assert.equal(table.holidays['2025-10-01'], '');
    assert.equal(table.workdays['2026-02-14'], '');
    assert.equal(table.holidays['2024-10-01'], undefined);
    assert.equal(Object.keys(table.holidays).length, 28 + 33);
  });

  it('keeps the newest year even when built after it, so a bundle knows where its data ends', () => {
    assert.deepEqual(compactHolidayData(chineseDays, 2030).years, [2026]);
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
    assert.match(out, /^installed: chinese-days 1\.5\.7, holiday years 2004–2026\n/);
  });

  it('says what a newer version adds, and what to do', () => {
    const { out } = run(['--latest'], () => ({ version: '1.6.0', years: [...installed.years, 2027] }));
    assert.match(out, /newest: chinese-days 1\.6\.0, holiday years 2004–2027\n/);
    assert.match(out, /chinese-days 1\.6\.0 adds 2027: npm install chinese-days@1\.6\.0/);
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
