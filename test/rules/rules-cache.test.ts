import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../../shared/config/config';
import { createLogger } from '../../shared/log/logger';
import {
  loadEmergencyRules,
  loadRules,
  loadRulesFile,
  NOT_A_FILE,
  TOO_LARGE,
} from '../../shared/rules/load-rules';
import { createRulesCache, type FetchedRules, STUCK_READ_MS } from '../../shared/rules/rules-cache';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { createFakeClock } from '../support/fake-clock';

const doc = (version: string) =>
  JSON.stringify({
    version,
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup' } } } },
  });

const failing = (code: string) => () => Promise.reject(Object.assign(new Error(code), { code }));
const holding = (text: string) => () => Promise.resolve(text);

describe('loadRules', () => {
  it('uses the embedded default when nothing is configured', () => {
    const loaded = loadRules(readConfig({}), parseYaml);
    assert.ok(loaded.ok);
    assert.equal(loaded.source, 'embedded-default');
  });

  it('reads inline RULES, JSON or YAML, and reports one that is not valid', () => {
    const yaml =
      'version: y1\ndefaultLine: {flow: main}\nflows:\n  main:\n    start: bye\n    nodes:\n      bye: {type: hangup}\n';
    const inline = loadRules(readConfig({ RULES: yaml, RULES_FILE: '/ignored.json' }), parseYaml);
    assert.ok(inline.ok);
    assert.equal(inline.compiled.rules.version, 'y1');
    const broken = loadRules(readConfig({ RULES: '{version:' }), parseYaml);
    assert.ok(!broken.ok);
    assert.match(broken.issues[0]?.message ?? '', /not valid JSON/);
  });

  it('serves RULES_EMERGENCY as the emergency document, else the embedded default', () => {
    const emergency = loadEmergencyRules(readConfig({ RULES_EMERGENCY: doc('sos') }), parseYaml);
    assert.ok(emergency.ok);
    assert.equal(emergency.source, 'env:RULES_EMERGENCY');
    assert.equal(loadEmergencyRules(readConfig({}), parseYaml).source, 'embedded-default');
  });
});

describe('loadRulesFile', () => {
  it('names the file and why it could not be read', async () => {
    const cases = [
      ['ENOENT', 'cannot read RULES_FILE /r.json: there is no such file'],
      [
        NOT_A_FILE,
        'cannot read RULES_FILE /r.json: it is not a regular file (a FIFO or a device is never read)',
      ],
      [
        TOO_LARGE,
        'cannot read RULES_FILE /r.json: it is larger than RULES_MAX_BYTES (2048 bytes); publish compiled JSON, or raise the limit',
      ],
    ] as const;
    for (const [code, message] of cases) {
      const loaded = await loadRulesFile('/r.json', 2048, failing(code), parseYaml);
      assert.ok(!loaded.ok);
      assert.equal(loaded.issues[0]?.message, message);
    }
  });

  it('reads a YAML file by its extension, and reports broken YAML with its line', async () => {
    const yaml =
      'version: y1\ndefaultLine: {flow: main}\nflows:\n  main:\n    start: bye\n    nodes:\n      bye: {type: hangup}\n';
    const loaded = await loadRulesFile('/mnt/rules/rules.yaml', 4096, holding(yaml), parseYaml);
    assert.ok(loaded.ok);
    assert.equal(loaded.compiled.rules.version, 'y1');
    const broken = await loadRulesFile('/r.yml', 4096, holding('version: x\nflows: [\n'), parseYaml);
    assert.ok(!broken.ok);
    assert.match(broken.issues[0]?.message ?? '', /not valid YAML: .*line/);
  });
});

/** These caches read files: none of their configurations names `RULES_URL`. */
const noOss = (): never => assert.fail('no configuration here names RULES_URL');

/** The check interval of a configuration that does not set `RULES_CHECK_SECONDS`. */
const RULES_FILE_CHECK_MS = readConfig({}).rulesCheckMs;

describe('createRulesCache', () => {
  /** A cache over a file the test controls: its text, its fingerprint, and reads that may hang (held). */
  function setup(env: Record<string, string> = {}) {
    const file = { text: doc('v1'), fingerprint: 'a', hang: false, reads: 0 };
    const clock = createFakeClock();
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line), 'info');
    /** Reads that hang, each with what settles it later (or never). */
    const held: ((text: string) => void)[] = [];
    const getRules = createRulesCache(
      {
        fingerprint: () => Promise.resolve(file.fingerprint),
        read: () => {
          file.reads++;
          return file.hang
            ? new Promise<string>((resolve) => held.push(resolve))
            : Promise.resolve(file.text);
        },
        parseYaml,
        oss: noOss,
      },
      clock.now,
      () => log,
      clock.host,
    );
    const config = readConfig({ RULES_FILE: '/mnt/rules/rules.json', RULES_LOAD_BUDGET_MS: '20', ...env });
    const version = async () => {
      const loaded = await getRules(config);
      return loaded.ok ? loaded.compiled.rules.version : 'invalid';
    };
    /** Lets a refresh started by the last callback finish. */
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    return { file, version, lines, getRules, config, settle, advance: clock.run, freeze: clock.freeze, held };
  }

  it('reloads a changed file after the check interval, the callback itself answered with the rules in force', async () => {
    const { file, version, advance, settle } = setup();
    assert.equal(await version(), 'v1');
    file.text = doc('v2');
    file.fingerprint = 'b';
    advance(RULES_FILE_CHECK_MS - 1);
    assert.equal(await version(), 'v1');
    advance(1);
    assert.equal(await version(), 'v1', 'the callback that starts the check does not wait for it');
    await settle();
    assert.equal(await version(), 'v2');
  });

  it('never waits for a warm refresh, even one that hangs, and tries again once it is stuck', async () => {
    const { file, version, advance, getRules, config, lines } = setup();
    assert.equal(await version(), 'v1');
    file.hang = true;
    advance(RULES_FILE_CHECK_MS);
    // Not a promise: a warm callback gets the rules in force at once, whatever the file does.
    const answered = getRules(config);
    assert.ok(!(answered instanceof Promise));
    assert.equal(answered.ok && answered.compiled.rules.version, 'v1');
    assert.equal(lines.filter((line) => line.includes('did not finish')).length, 0);
    // The next check, an interval later, finds that read still unsettled: it is given up and tried again.
    advance(RULES_FILE_CHECK_MS);
    assert.ok(!(getRules(config) instanceof Promise));
    assert.equal(lines.filter((line) => line.includes('did not finish')).length, 1);
    assert.ok(STUCK_READ_MS < RULES_FILE_CHECK_MS);
  });

  it('does not give up a read that FC froze between requests: it finishes on a later request', async () => {
    const { file, version, freeze, advance, lines, held, settle } = setup();
    assert.equal(await version(), 'v1');
    file.fingerprint = 'b';
    file.text = doc('v2');
    file.hang = true;
    advance(RULES_FILE_CHECK_MS);
    await version(); // starts the read, which waits on the (frozen) mount
    await settle();
    // Frozen far longer than STUCK_READ_MS, then woken by a callback that finds the next check due.
    freeze(5 * 60_000);
    advance(100);
    assert.equal(await version(), 'v1');
    assert.equal(
      lines.filter((line) => line.includes('did not finish')).length,
      0,
      'a freeze is not a stuck read',
    );
    held[0]?.(doc('v2'));
    await settle();
    assert.equal(await version(), 'v2');
  });

  it('ignores a read it gave up on when that read settles after all', async () => {
    const { file, version, advance, lines, held, settle } = setup();
    assert.equal(await version(), 'v1');
    file.fingerprint = 'b';
    file.hang = true;
    advance(RULES_FILE_CHECK_MS);
    await version();
    await settle();
    // Awake and still unsettled at the next check: given up; the new read gets v3.
    file.hang = false;
    file.fingerprint = 'c';
    file.text = doc('v3');
    advance(RULES_FILE_CHECK_MS);
    await version();
    await settle();
    assert.equal(lines.filter((line) => line.includes('did not finish')).length, 1);
    assert.equal(await version(), 'v3');
    held[0]?.(doc('v2'));
    await settle();
    assert.equal(await version(), 'v3', 'the late, older read does not replace newer rules');
  });

  it('serves the emergency document when a cold start cannot read the file in time, then the file’s rules', async () => {
    const { file, version, lines, settle } = setup({ RULES_EMERGENCY: doc('sos') });
    file.hang = true;
    assert.equal(await version(), 'sos');
    assert.equal(lines.filter((line) => line.includes('were not read in time')).length, 1);
    // The late read never settles here: the emergency document goes on answering.
    file.hang = false;
    await settle();
    assert.equal(await version(), 'sos');
  });

  it('switches to the file’s rules when a late first read arrives', async () => {
    const { file, version } = setup();
    let arrive: (text: string) => void = () => undefined;
    const late = new Promise<string>((resolve) => {
      arrive = resolve;
    });
    const getRules = createRulesCache(
      { fingerprint: () => Promise.resolve('a'), read: () => late, parseYaml, oss: noOss },
      () => 0,
      () => createLogger(() => undefined),
    );
    const config = readConfig({ RULES_FILE: '/mnt/rules/rules.json', RULES_LOAD_BUDGET_MS: '20' });
    const first = await getRules(config);
    assert.equal(first.ok && first.source, 'embedded-default');
    arrive(file.text);
    await new Promise((resolve) => setImmediate(resolve));
    const after = await getRules(config);
    assert.equal(after.ok && after.compiled.rules.version, 'v1');
    assert.equal(await version(), 'v1');
  });

  it('lets a file read in time be parsed and checked, however long that takes', async () => {
    const slowParse = (text: string) => {
      const until = performance.now() + 80;
      while (performance.now() < until) {
        // A large YAML document on a slow instance: parsing outlasts the budget, the read did not.
      }
      return parseYaml(text);
    };
    const yaml =
      'version: big\ndefaultLine: {flow: main}\nflows:\n  main:\n    start: bye\n    nodes:\n      bye: {type: hangup}\n';
    const getRules = createRulesCache(
      {
        fingerprint: () => Promise.resolve('a'),
        read: () => new Promise((resolve) => setTimeout(() => resolve(yaml), 5)),
        parseYaml: slowParse,
        oss: noOss,
      },
      () => 0,
      () => createLogger(() => undefined),
    );
    const loaded = await getRules(readConfig({ RULES_FILE: '/r.yaml', RULES_LOAD_BUDGET_MS: '20' }));
    assert.equal(loaded.ok && loaded.compiled.rules.version, 'big');
  });

  it('keeps the last good rules when the changed file is invalid, and says so once', async () => {
    const { file, version, advance, lines, settle, getRules, config } = setup();
    await version();
    file.text = '{"version":"broken"}';
    file.fingerprint = 'b';
    advance(RULES_FILE_CHECK_MS);
    await version();
    await settle();
    assert.equal(await version(), 'v1');
    advance(RULES_FILE_CHECK_MS);
    await version();
    await settle();
    assert.equal(await version(), 'v1');
    assert.equal(lines.filter((line) => line.includes('keeping the last good rules')).length, 1);
    // Until a document loads, the rules in force say why the latest was refused (the status shows it).
    const kept = await getRules(config);
    assert.match(kept.ok ? (kept.refused?.issues[0]?.message ?? '') : '', /./);
    file.text = doc('v4');
    file.fingerprint = 'd';
    advance(RULES_FILE_CHECK_MS);
    await version();
    await settle();
    const loaded = await getRules(config);
    assert.equal(loaded.ok && loaded.compiled.rules.version, 'v4');
    assert.equal(loaded.ok && loaded.refused, undefined);
  });

  it('tells a failed read (OSS down) from a changed document that is invalid, keeping the last good rules', async () => {
    const clock = createFakeClock();
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line), 'info');
    const good = loadRules(readConfig({ RULES: doc('v1') }), parseYaml);
    const answers: Record<'up' | 'down' | 'invalid', FetchedRules> = {
      up: { unchanged: false, tag: '"e1"', loaded: good },
      down: {
        unchanged: false,
        tag: undefined,
        loaded: {
          ok: false,
          source: 'oss',
          issues: [
            { path: '(RULES_URL)', message: 'cannot read RULES_URL oss://vms-rules/rules.json: Timeout' },
          ],
        },
      },
      invalid: {
        unchanged: false,
        tag: '"e2"',
        loaded: { ok: false, source: 'oss', issues: [{ path: 'flows', message: 'Invalid key' }] },
      },
    };
    let oss: keyof typeof answers = 'up';
    const getRules = createRulesCache(
      {
        fingerprint: () => assert.fail('no RULES_FILE here'),
        read: () => assert.fail('no RULES_FILE here'),
        parseYaml,
        oss: () => ({ fetch: async () => answers[oss] }),
      },
      clock.now,
      () => log,
      clock.host,
    );
    const config = readConfig({
      RULES_URL: 'oss://vms-rules/rules.json',
      RULES_CHECK_SECONDS: '30',
      RULES_LOAD_BUDGET_MS: '20',
    });
    const recheck = async (state: keyof typeof answers) => {
      oss = state;
      clock.run(config.rulesCheckMs);
      await getRules(config);
      await new Promise((resolve) => setImmediate(resolve));
      const loaded = await getRules(config);
      return loaded.ok ? loaded.compiled.rules.version : 'invalid';
    };
    assert.equal(await recheck('up'), 'v1');
    assert.equal(await recheck('down'), 'v1');
    const [down] = lines.filter((line) => line.includes('keeping the last good rules'));
    assert.match(
      down ?? '',
      /the rules could not be read from oss:\/\/vms-rules\/rules\.json; keeping the last good rules, next try on the first callback after 30 s: check that the endpoint is reachable from the function and that its role may oss:GetObject the key"/,
    );
    assert.doesNotMatch(down ?? '', /changed|invalid/);
    assert.equal(await recheck('invalid'), 'v1');
    const invalid = lines.filter((line) => line.includes('keeping the last good rules')).at(-1);
    assert.match(
      invalid ?? '',
      /the changed rules are invalid; keeping the last good rules until a valid document/,
    );
  });

  it('keeps the emergency document for the calls that started under it once the real rules arrive', async () => {
    const { file, getRules, config, held, settle } = setup({ RULES_EMERGENCY: doc('sos') });
    file.hang = true;
    const emergency = await getRules(config);
    assert.ok(emergency.ok && emergency.source === 'env:RULES_EMERGENCY');
    held[0]?.(doc('v1'));
    await settle();
    const real = await getRules(config);
    assert.ok(real.ok);
    assert.equal(real.compiled.rules.version, 'v1');
    assert.ok(real.earlier.has(emergency.compiled.tag));
  });
});

describe('createRulesCache: a RULES_FILE in the code folder', () => {
  /** A cache whose file lies at `path`, with a code folder of `/code` and both readers counted. */
  function setup(path: string, env: Record<string, string> = {}) {
    const file = { text: doc('v1'), fingerprint: 'a', now: 0, async: 0, fails: false };
    let time = 0;
    const lines: string[] = [];
    const getRules = createRulesCache(
      {
        fingerprint: () => Promise.resolve(file.fingerprint),
        read: () => {
          file.async++;
          return Promise.resolve(file.text);
        },
        readNow: () => {
          file.now++;
          if (file.fails) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
          return { text: file.text, fingerprint: file.fingerprint };
        },
        codeFolder: '/code',
        parseYaml,
        oss: noOss,
      },
      () => time,
      () => createLogger((line) => lines.push(line), 'info'),
    );
    const config = readConfig({ RULES_FILE: path, ...env });
    const advance = (ms: number) => {
      time += ms;
    };
    return { file, getRules, config, advance, lines };
  }

  const versionOf = (loaded: unknown) => {
    assert.ok(!(loaded instanceof Promise), 'answered at once, not a promise');
    const rules = loaded as Awaited<ReturnType<ReturnType<typeof createRulesCache>>>;
    return rules.ok ? rules.compiled.rules.version : 'invalid';
  };

  it('reads it at once at a cold start, and asynchronously at later checks', async () => {
    const { file, getRules, config, advance } = setup('/code/rules.json');
    assert.equal(versionOf(getRules(config)), 'v1');
    assert.deepEqual([file.now, file.async], [1, 0]);
    advance(RULES_FILE_CHECK_MS);
    assert.equal(versionOf(getRules(config)), 'v1', 'unchanged: its fingerprint came with the first read');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([file.now, file.async], [1, 0]);
    file.text = doc('v2');
    file.fingerprint = 'b';
    advance(RULES_FILE_CHECK_MS);
    getRules(config);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(versionOf(getRules(config)), 'v2');
    assert.deepEqual([file.now, file.async], [1, 1]);
  });

  it('reads any other path asynchronously, a mount above all, and RULES_URL or RULES first', async () => {
    const mount = setup('/mnt/rules/rules.json');
    const loading = mount.getRules(mount.config);
    assert.ok(loading instanceof Promise);
    const loaded = await loading;
    assert.equal(loaded.ok && loaded.compiled.rules.version, 'v1');
    assert.deepEqual([mount.file.now, mount.file.async], [0, 1]);
    const inline = setup('/code/rules.json', { RULES: doc('inline') });
    assert.equal(versionOf(inline.getRules(inline.config)), 'inline');
    assert.equal(inline.file.now, 0);
  });

  it('serves the emergency document at once when the file cannot be read, and tries again later', async () => {
    const { file, getRules, config, advance, lines } = setup('/code/rules.json', {
      RULES_EMERGENCY: doc('sos'),
    });
    file.fails = true;
    assert.equal(versionOf(getRules(config)), 'sos');
    assert.match(lines.join('\n'), /cannot read RULES_FILE \/code\/rules\.json: there is no such file/);
    advance(RULES_FILE_CHECK_MS);
    getRules(config);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(versionOf(getRules(config)), 'v1');
    assert.deepEqual([file.now, file.async], [1, 1]);
  });

  it('refuses an invalid file at once with the same words as any file', () => {
    const { file, getRules, config } = setup('/code/rules.json');
    file.text = '{"version":"broken"}';
    const loaded = getRules(config);
    assert.notEqual(versionOf(loaded), 'broken');
    const served = loaded as Exclude<typeof loaded, Promise<unknown>>;
    assert.ok(served.ok && served.source === 'embedded-default');
    assert.match(JSON.stringify(served.standsInFor?.issues), /defaultLine/);
  });
});
