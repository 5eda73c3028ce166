/**
 * shared/campaign/campaign-settings.ts: a campaign's settings from the rules, a campaign file, the
 * options and the row, each over the one before; every row checked as SmartCall checks it, before a call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CampaignRow, createListReader } from '../../shared/campaign/campaign-list';
import {
  type Campaign,
  type CampaignLayer,
  createRowPlanner,
  mergeLayers,
  readCampaignFile,
  resolveCampaign,
} from '../../shared/campaign/campaign-settings';
import type { Rules } from '../../shared/rules/rules-schema';
import { compileOrThrow } from '../support/engine-call';
import { readExampleRules } from '../support/example-rules';

const DOCUMENT = readExampleRules();
const COMPILED = compileOrThrow(DOCUMENT as never);
const RULES: Rules = COMPILED.rules;
const CALENDARS = new Set(COMPILED.calendars.keys());

function campaignOf(rules: Rules, ...layers: CampaignLayer[]): Campaign {
  const resolved = resolveCampaign(rules, layers);
  assert.ok(resolved.ok, resolved.ok ? '' : resolved.problems.join('; '));
  return resolved.campaign;
}

function rowsOf(csv: string): CampaignRow[] {
  const reader = createListReader('csv');
  return [...reader.push(csv), ...reader.end()];
}

describe('a campaign file', () => {
  it('reads every setting, numbers and true/false as text where SmartCall takes text', () => {
    const read = readCampaignFile({
      rules: 'rules.yaml',
      flow: 'remind',
      showNumber: '05925550001',
      voiceCode: 'TTS_1',
      calendar: 'clinic',
      outside: 'skip',
      rate: 2.5,
      concurrency: 8,
      expires: '3h',
      doNotCall: 'dnc.txt',
      results: 'out.jsonl',
      set: { MuteTime: 6000, RecordFlag: false },
      tts: { time: '明天', n: 3 },
      vars: { time: '10:30' },
    });
    assert.ok(read.ok);
    assert.deepEqual(read.file.set, { MuteTime: '6000', RecordFlag: 'false' });
    assert.deepEqual(read.file.tts, { time: '明天', n: '3' });
    assert.deepEqual(readCampaignFile(undefined), { ok: true, file: {} });
  });

  it('refuses what it does not know, naming each path', () => {
    const read = readCampaignFile({
      rate: 0,
      concurrency: 65,
      outside: 'later',
      expires: '40d',
      set: { CalledNumber: '13800138000', Speed: 1 },
      vars: { '9x': 'a' },
      showNumbr: '1',
    });
    assert.equal(read.ok, false);
    const problems = read.ok ? [] : read.problems;
    for (const expected of [
      /^rate: more than 0 calls a second$/,
      /^concurrency: at most 64$/,
      /^outside: wait or skip$/,
      /^expires: a lifetime from 1s to 31d$/,
      /^set\.CalledNumber: is no SmartCall parameter a campaign sets$/,
      /^set\.Speed: is no SmartCall parameter a campaign sets$/,
      /^vars\.9x: a name is a letter/,
      /^showNumbr: no such setting$/,
    ])
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `${expected} in ${problems.join(' | ')}`,
      );
  });
});

describe('the settings', () => {
  it('take the rules, then the file, then the options: one value each, set, tts and vars by name', () => {
    const merged = mergeLayers(
      { flow: 'a', set: { MuteTime: '3000', PauseTime: '500' }, tts: { x: '1' }, vars: { time: 't1' } },
      { flow: undefined, calendar: 'clinic', set: { MuteTime: '4000' }, vars: { doctor: 'd' } },
    );
    assert.deepEqual(merged, {
      flow: 'a',
      calendar: 'clinic',
      set: { MuteTime: '4000', PauseTime: '500' },
      tts: { x: '1' },
      vars: { time: 't1', doctor: 'd' },
    });
    const campaign = campaignOf(
      RULES,
      { showNumber: '05925550001', set: { VoiceCode: 'TTS_2' } },
      { rate: 3 },
    );
    assert.equal(campaign.flow, 'remind');
    assert.equal(campaign.calendar, 'calling');
    assert.equal(campaign.outside, 'wait');
    assert.equal(campaign.rate, 3);
    assert.equal(campaign.concurrency, 4);
    assert.equal(campaign.lifetimeS, 7200);
    assert.deepEqual(campaign.params, { CalledShowNumber: '05925550001', VoiceCode: 'TTS_2' });
  });

  it("refuse the options' wrong values", () => {
    const resolved = resolveCampaign(RULES, [
      { expires: '2 hours', rate: 5000, concurrency: 0, set: { OutId: 'x' } },
    ]);
    assert.deepEqual(resolved.ok ? [] : resolved.problems, [
      '--expires takes a lifetime such as 90s, 30m, 2h or 7d, not 2 hours',
      '--rate is a number of calls a second, more than 0 and at most 1000',
      '--concurrency is a whole number from 1 to 64',
      "--set OutId is the caller's: use none: it is the campaign's code and the row's number",
    ]);
  });
});

describe('a row', () => {
  const campaign = campaignOf(RULES, { set: { MuteTime: '6000' }, tts: { clinic: '安和' } });
  const planner = createRowPlanner(RULES, CALENDARS, campaign, 'k3x9q2');

  it("is sent with the rules' call settings under the campaign's and its own, sealed and numbered", () => {
    const [row] = rowsOf('number,var.time,tts.time,TtsSpeed,calendar\n13800138000,10:30,明天,20,clinic\n');
    const planned = planner.plan(row as CampaignRow);
    assert.ok(planned.ok);
    assert.deepEqual(planned.plan, { flow: 'remind', calendar: 'clinic', vars: { time: '10:30' } });
    assert.deepEqual(planner.paramsOf(row as CampaignRow, planned.plan, 'o1.sealed'), {
      AsrBaseId: 'customer_service_8k',
      RecordFlag: 'true',
      MuteTime: '6000',
      SessionTimeout: '300',
      ActionCodeBreak: 'true',
      TtsStyle: 'xiaoyun',
      TtsVolume: '50',
      TtsSpeed: '20',
      CalledShowNumber: '05925550000',
      VoiceCode: 'TTS_201234567',
      VoiceCodeParam: '{"clinic":"安和","time":"明天"}',
      CalledNumber: '13800138000',
      OutId: 'k3x9q2r1',
      DynamicId: 'o1.sealed',
    });
  });

  it('lays its tts values over a VoiceCodeParam the layers give, and leaves one that is no JSON object for the check', () => {
    const [given, broken] = rowsOf(
      'number,VoiceCodeParam,tts.time\n13800138000,"{""place"":""二楼""}",明天\n13800138000,oops,明天\n',
    );
    const planned = planner.plan(given as CampaignRow);
    assert.ok(planned.ok);
    assert.equal(
      planner.paramsOf(given as CampaignRow, planned.plan, 'o1.x').VoiceCodeParam,
      '{"place":"二楼","clinic":"安和","time":"明天"}',
    );
    const refused = planner.plan(broken as CampaignRow);
    assert.match((refused.ok ? [] : refused.problems).join(), /^VoiceCodeParam: a JSON object/);
  });

  it("takes its flow's own settings under the campaign's", () => {
    const rules = compileOrThrow({
      ...DOCUMENT,
      flows: {
        ...(DOCUMENT.flows as object),
        other: {
          start: 'bye',
          settings: { muteTimeMs: 2000, pauseTimeMs: 800 },
          nodes: { bye: { type: 'hangup', say: '再见' } },
        },
      },
      outbound: { ...(DOCUMENT.outbound as object), flows: ['remind', 'other'] },
    } as never).rules;
    const own = createRowPlanner(
      rules,
      CALENDARS,
      campaignOf(rules, { set: { MuteTime: '6000' } }),
      'k3x9q2',
    );
    const [row] = rowsOf('number,flow\n13800138000,other\n');
    const planned = own.plan(row as CampaignRow);
    assert.ok(planned.ok);
    const params = own.paramsOf(row as CampaignRow, planned.plan, 'o1.x');
    assert.equal(params.MuteTime, '6000');
    assert.equal(params.PauseTime, '800');
  });

  it('is refused, before anything is sent, for everything SmartCall or the rules would refuse', () => {
    const rows = rowsOf(
      [
        'number,flow,calendar,var.time,var.tme,MuteTime,VoiceCode,VoiceCodeParam,tts.x',
        '13800138000,,,,,500,,,',
        '13800138000,nowhere,,,,,,,',
        '13800138000,,lunch,,,,,,',
        '13800138000,,,,x,,,,',
        `13800138000,,,${'十'.repeat(10)},,,,,`,
        '12345,,,,,,,,',
        '13800138000,,,,,,a b,,',
        '13800138000,,,,,,,"[1]",y',
        '13800138000,,,,,,,,a$b',
      ].join('\n'),
    );
    assert.deepEqual(
      rows.map((row) => {
        const planned = planner.plan(row);
        return planned.ok ? [] : planned.problems;
      }),
      [
        ['MuteTime: a whole number from 1000 to 20000'],
        ['flow: nowhere is not a flow a DynamicId may start (see outbound.flows)'],
        ['calendar: the rules have no calendar lunch'],
        ['var.tme: not declared in outbound.vars'],
        ['var.time: over its 24 bytes'],
        [
          'CalledNumber: a mainland mobile (11 digits from 13) or a landline with its area code (0…, 10–12 digits)',
        ],
        [
          'VoiceCode: one or more voice codes (an audio file, a voice id or a TTS template code), comma-separated',
        ],
        [
          'VoiceCodeParam: a JSON object of text values, names of letters, digits and "_", values without @ = : " $ { } ^ * ¥',
        ],
        [
          'VoiceCodeParam: a JSON object of text values, names of letters, digits and "_", values without @ = : " $ { } ^ * ¥',
        ],
      ],
    );
  });

  it('is refused with more values than a DynamicId carries', () => {
    const names = 'abcdefghi'.split('');
    const many = compileOrThrow({
      ...DOCUMENT,
      outbound: {
        ...(DOCUMENT.outbound as object),
        vars: Object.fromEntries(names.map((name) => [name, { maxBytes: 4 }])),
      },
    } as never).rules;
    const planned = createRowPlanner(many, CALENDARS, campaignOf(many), 'k3x9q2').plan(
      rowsOf(
        `number,${names.map((name) => `var.${name}`).join(',')}\n13800138000,${names.join(',')}\n`,
      )[0] as CampaignRow,
    );
    assert.deepEqual(planned.ok ? [] : planned.problems, ['vars: at most 8 variables']);
  });

  it('is refused without a flow, a calendar, or with values no DynamicId can carry', () => {
    const bare = compileOrThrow({
      ...DOCUMENT,
      outbound: { vars: { a: { maxBytes: 64 }, b: { maxBytes: 64 } } },
    } as never).rules;
    const none = createRowPlanner(bare, CALENDARS, campaignOf(bare), 'k3x9q2');
    const [row] = rowsOf('number\n13800138000\n');
    const planned = none.plan(row as CampaignRow);
    assert.deepEqual(planned.ok ? [] : planned.problems, [
      'flow: none given (outbound.defaultFlow in the rules, flow in the campaign file, --flow or a flow column)',
      'calendar: none given (outbound.calendar in the rules, calendar in the campaign file, --calendar or a calendar column)',
    ]);
    const big = createRowPlanner(
      bare,
      CALENDARS,
      campaignOf(bare, { flow: 'remind', calendar: 'calling', voiceCode: 'v', showNumber: '05925550000' }),
      'k3x9q2',
    );
    const [long] = rowsOf(`number,var.a,var.b\n13800138000,${'x'.repeat(65)},y\n`);
    const refusedLong = big.plan(long as CampaignRow);
    assert.deepEqual(refusedLong.ok ? [] : refusedLong.problems, ['var.a: over its 64 bytes']);
    const [wide] = rowsOf(`number,var.a,var.b\n13800138000,${'x'.repeat(60)},${'y'.repeat(60)}\n`);
    const refusedWide = big.plan(wide as CampaignRow);
    assert.deepEqual(refusedWide.ok ? [] : refusedWide.problems, [
      "DynamicId: the var values take 135 bytes as JSON, over the 78 a call's state carries",
    ]);
  });
});
