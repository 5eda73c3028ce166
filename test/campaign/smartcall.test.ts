import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import {
  ApiErrorAnswerSchema,
  checkSmartCallParams,
  judgeApiError,
  readRequestId,
  SMARTCALL_PARAM_NAMES,
  SmartCallAnswerSchema,
  smartCallSettingsFrom,
} from '../../shared/campaign/smartcall';

const BASE = { CalledShowNumber: '05925550000', CalledNumber: '13800138000', VoiceCode: 'TTS_201234567' };

describe('SmartCall parameters', () => {
  it('takes the required three and every optional one within its range', () => {
    assert.deepEqual(checkSmartCallParams(BASE), []);
    const full = {
      ...BASE,
      VoiceCodeParam: '{"time":"明天上午10点","doctor":"王医生"}',
      DynamicId: 'remind',
      OutId: 'k3x9q2r42',
      RecordFlag: 'true',
      AsrBaseId: 'customer_service_8k',
      AsrModelId: 'model-1',
      EarlyMediaAsr: 'false',
      EnableITN: 'true',
      StreamAsr: '1',
      MuteTime: '1000',
      PauseTime: '1200',
      SessionTimeout: '3600',
      ActionCodeBreak: 'true',
      ActionCodeTimeBreak: '200',
      TtsConf: 'true',
      TtsStyle: 'xiaoyun',
      TtsVolume: '0',
      TtsSpeed: '-200',
      Volume: '4',
      BackgroundFileCode: 'bg.wav',
      BackgroundVolume: '-4',
      BackgroundSpeed: '500',
    };
    assert.deepEqual(checkSmartCallParams(full), []);
    assert.deepEqual(Object.keys(full).sort(), [...SMARTCALL_PARAM_NAMES].sort());
  });

  it('names each problem: a range, a missing parameter, one SmartCall does not take, a bad number', () => {
    const problems = checkSmartCallParams({
      CalledShowNumber: '05925550000',
      CalledNumber: '12345',
      VoiceCode: 'a,,b',
      MuteTime: '999',
      PauseTime: '1201',
      TtsSpeed: '1.5',
      OutId: '一二三四五六',
      TtsParam: '{}',
    });
    const names = problems.map((problem) => problem.split(':')[0]);
    assert.deepEqual(names.sort(), [
      'CalledNumber',
      'MuteTime',
      'OutId',
      'PauseTime',
      'TtsParam',
      'TtsSpeed',
      'VoiceCode',
    ]);
    assert.ok(problems.includes('TtsParam: SmartCall takes no such parameter'));
    assert.ok(problems.includes('MuteTime: a whole number from 1000 to 20000'));
    assert.match(
      checkSmartCallParams({ CalledShowNumber: '0592' })[0] ?? '',
      /^(CalledShowNumber|CalledNumber|VoiceCode): /,
    );
  });

  it('refuses template values with the characters the platform forbids, and anything but an object of text', () => {
    for (const param of ['{"time":"10:30"}', '{"a":"x@y"}', '{"a":1}', '[]', 'null', '{', '{"a b":"x"}']) {
      assert.equal(checkSmartCallParams({ ...BASE, VoiceCodeParam: param }).length, 1, param);
    }
    assert.deepEqual(checkSmartCallParams({ ...BASE, VoiceCodeParam: '{"time":"10点30分"}' }), []);
  });

  it('takes landlines with their area code and mobiles, never a short number or one with a country code', () => {
    for (const number of ['13800138000', '19912345678', '01012345678', '0592555123']) {
      assert.deepEqual(checkSmartCallParams({ ...BASE, CalledNumber: number }), [], number);
    }
    for (const number of ['+8613800138000', '8613800138000', '12800138000', '110', '5551234']) {
      assert.equal(checkSmartCallParams({ ...BASE, CalledNumber: number }).length, 1, number);
    }
  });

  it("turns a rules document's call settings into SmartCall's names", () => {
    assert.deepEqual(
      smartCallSettingsFrom({
        asrBaseId: 'customer_service_8k',
        record: true,
        muteTimeMs: 5000,
        pauseTimeMs: 800,
        sessionTimeoutS: 300,
        bargeIn: true,
        bargeInAfterMs: 200,
        tts: { voice: 'xiaoyun', volume: 50, speed: 0 },
      }),
      {
        AsrBaseId: 'customer_service_8k',
        RecordFlag: 'true',
        MuteTime: '5000',
        PauseTime: '800',
        SessionTimeout: '300',
        ActionCodeBreak: 'true',
        ActionCodeTimeBreak: '200',
        TtsStyle: 'xiaoyun',
        TtsVolume: '50',
        TtsSpeed: '0',
      },
    );
    assert.deepEqual(smartCallSettingsFrom({}), {});
    assert.deepEqual(checkSmartCallParams({ ...BASE, ...smartCallSettingsFrom({ asrModelId: 'm1' }) }), []);
  });
});

describe('what an API error means to a campaign', () => {
  const cases: readonly (readonly [string, number, string])[] = [
    ['Throttling.User', 400, 'retry'],
    ['Throttling.Whatever', 400, 'retry'],
    ['ServiceUnavailable', 503, 'retry'],
    ['SignatureNonceUsed', 400, 'retry'],
    ['SomethingNew', 503, 'retry'],
    ['SignatureDoesNotMatch', 400, 'stop'],
    ['InvalidAccessKeyId.NotFound', 404, 'stop'],
    ['InvalidTimeStamp.Expired', 400, 'stop'],
    ['isv.AMOUNT_NOT_ENOUGH', 200, 'stop'],
    ['UnsupportedHTTPMethod', 400, 'stop'],
    ['RequestEntityTooLarge', 413, 'stop'],
    ['isv.MOBILE_NUMBER_ILLEGAL', 200, 'refused'],
    ['isv.BUSINESS_LIMIT_CONTROL', 200, 'refused'],
    ['InvalidParameter', 400, 'refused'],
    ['InternalError', 500, 'uncertain'],
    ['SomethingNew', 200, 'uncertain'],
  ];
  for (const [code, http, verdict] of cases) {
    it(`${code} with HTTP ${http}: ${verdict}`, () => assert.equal(judgeApiError(code, http), verdict));
  }
});

describe('answers', () => {
  it('keeps only what has the shape of a call id, an error code or a request id', () => {
    assert.ok(!v.is(SmartCallAnswerSchema, { Code: 'OK', CallId: 'call 13800138000 placed' }));
    assert.ok(!v.is(SmartCallAnswerSchema, { Code: 'OK', CallId: '13800138000' }));
    assert.ok(v.is(SmartCallAnswerSchema, { Code: 'OK', CallId: '130301340124^117079730123' }));
    assert.ok(!v.is(ApiErrorAnswerSchema, { Code: 'isv.X 13800138000 refused' }));
    assert.ok(!v.is(ApiErrorAnswerSchema, { Code: 'Foo.13800138000' }));
    assert.ok(v.is(ApiErrorAnswerSchema, { Code: 'isv.MOBILE_NUMBER_ILLEGAL' }));
    assert.equal(
      readRequestId('0B8DFD0E-7578-4667-B74D-374153D43ECC'),
      '0B8DFD0E-7578-4667-B74D-374153D43ECC',
    );
    assert.equal(readRequestId('for 13800138000'), undefined);
    assert.equal(readRequestId('13800138000'), undefined);
    assert.equal(readRequestId(42), undefined);
  });

  it('tells a placed call from an error body', () => {
    assert.ok(v.is(SmartCallAnswerSchema, { Code: 'OK', CallId: '1^2', RequestId: 'r' }));
    assert.ok(!v.is(SmartCallAnswerSchema, { Code: 'OK' }));
    assert.ok(!v.is(SmartCallAnswerSchema, { Code: 'Throttling.User', CallId: '1^2' }));
    assert.ok(v.is(ApiErrorAnswerSchema, { Code: 'Throttling.User', Message: 'denied' }));
    assert.ok(!v.is(ApiErrorAnswerSchema, { Code: '' }));
  });
});
