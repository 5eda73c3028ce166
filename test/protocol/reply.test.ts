import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { buildCallinReply, buildEventReply } from '../../shared/protocol/reply';
import type { CallinAction, EventAction } from '../../shared/protocol/reply-actions';
import { InvalidReplyError, SuccessReplySchema } from '../../shared/protocol/reply-schema';

describe('buildCallinReply', () => {
  it('answers with settings as JSON numbers and booleans and TTS in a JSON string', () => {
    const reply = buildCallinReply(
      '1^2',
      {
        action: 'answer',
        playback: {
          items: [{ audio: 'welcome.wav' }, { tts: '您好，欢迎致电。' }],
          bargeIn: true,
          bargeInAfterMs: 800,
        },
        settings: {
          asrBaseId: 'customer_service_8k',
          record: true,
          muteTimeMs: 5000,
          pauseTimeMs: 800,
          sessionTimeoutS: 600,
          tts: { voice: 'xiaoyun', volume: 50, speed: -20 },
        },
      },
      'state-1',
    );
    assert.deepEqual(reply, {
      result: 'success',
      msg: '成功',
      code: 200,
      data: {
        call_id: '1^2',
        action: 'answer',
        dynamic_id: 'state-1',
        action_code: 'welcome.wav,$tts2$',
        action_code_param: '{"tts2":"您好，欢迎致电。"}',
        action_code_break: true,
        action_code_time_break: 800,
        session_timeout: 600,
        record_flag: true,
        asr_base_id: 'customer_service_8k',
        mute_time: 5000,
        pause_time: 800,
        tts_conf: true,
        tts_style: 'xiaoyun',
        tts_volume: 50,
        tts_speed: -20,
      },
    });
    assert.equal(typeof reply.data.action_code_param, 'string');
  });

  it('sends a custom ASR model instead of the base model when both are set', () => {
    const reply = buildCallinReply('1^2', {
      action: 'answer',
      settings: { asrBaseId: 'customer_service_8k', asrModelId: 'my-model' },
    });
    assert.equal(reply.data.action, 'answer');
    assert.ok(reply.data.action === 'answer');
    assert.equal(reply.data.asr_model_id, 'my-model');
    assert.equal(reply.data.asr_base_id, undefined);
  });

  it('refuses any action but answer or hangup, even when the type system is bypassed', () => {
    const play = { action: 'play', playback: { items: [{ tts: '你好' }] } } as unknown as CallinAction;
    assert.throws(() => buildCallinReply('1^2', play), InvalidReplyError);
  });

  it('refuses a mute time outside the documented 1000–20000 ms', () => {
    assert.throws(
      () => buildCallinReply('1^2', { action: 'answer', settings: { muteTimeMs: 500 } }),
      /mute_time/,
    );
  });
});

describe('buildEventReply', () => {
  it('refuses answer after callin', () => {
    const answer = { action: 'answer', settings: {} } as unknown as EventAction;
    assert.throws(() => buildEventReply('1^2', answer), /only valid in reply to callin/);
  });

  it('cleans forbidden characters out of TTS text and never out of the $name$ markers', () => {
    const reply = buildEventReply('1^2', {
      action: 'play',
      playback: { items: [{ tts: '请按*号键，费用¥5={x}' }] },
    });
    assert.ok(reply.data.action === 'play');
    assert.equal(reply.data.action_code, '$tts1$');
    const param = JSON.parse(reply.data.action_code_param ?? '{}') as Record<string, string>;
    assert.equal(param.tts1, '请按星号键，费用5等于（x）');
  });

  it('omits playback when every TTS item is empty after cleaning', () => {
    const reply = buildEventReply('1^2', { action: 'hangup', playback: { items: [{ tts: '$$' }] } });
    assert.deepEqual(reply.data, { call_id: '1^2', action: 'hangup' });
  });

  it('builds a dtmf collection with its documented fields', () => {
    const reply = buildEventReply('1^2', {
      action: 'dtmf',
      playback: { items: [{ tts: '请输入' }] },
      maxDigits: 6,
      timeoutS: 10,
      endKey: '#',
    });
    assert.ok(reply.data.action === 'dtmf');
    assert.equal(reply.data.dtmf_max_numbers, 6);
    assert.equal(reply.data.dtmf_nonin_overtime, 10);
    assert.equal(reply.data.dtmf_end_character, '#');
  });

  it('refuses dtmf limits outside the documented ranges', () => {
    assert.throws(
      () => buildEventReply('1^2', { action: 'dtmf', maxDigits: 51, timeoutS: 5 }),
      InvalidReplyError,
    );
    assert.throws(
      () => buildEventReply('1^2', { action: 'dtmf', maxDigits: 1, timeoutS: 2 }),
      InvalidReplyError,
    );
  });

  it('refuses a transfer to something that is not a phone number', () => {
    assert.throws(
      () => buildEventReply('1^2', { action: 'transfer', number: 'sip:agent' }),
      InvalidReplyError,
    );
  });

  it('refuses an audio code that would break the comma-separated action_code', () => {
    assert.throws(
      () => buildEventReply('1^2', { action: 'play', playback: { items: [{ audio: 'a.wav,b.wav' }] } }),
      InvalidReplyError,
    );
  });

  it('refuses a dynamic_id with characters that do not survive URL and JSON encoding', () => {
    assert.throws(() => buildEventReply('1^2', { action: 'donothing' }, 'a b=c'), InvalidReplyError);
  });

  it('builds every event action as a reply the schema accepts', () => {
    const actions: EventAction[] = [
      { action: 'hangup' },
      { action: 'play', playback: { items: [{ tts: '你好' }] }, muteTimeMs: 3000 },
      { action: 'break' },
      { action: 'continue' },
      { action: 'donothing' },
      { action: 'transfer', number: '+8613800138000', playback: { items: [{ tts: '请稍候' }] } },
      { action: 'dtmf', maxDigits: 1, timeoutS: 3, endKey: '*' },
      { action: 'parallel_transfer', ccName: 'cc-1', monitor: true, transferPlayfile: 'hold.wav' },
      { action: 'parallel_bridge' },
    ];
    for (const action of actions) {
      const reply = buildEventReply('1^2', action, 'x.y');
      assert.ok(v.is(SuccessReplySchema, reply), action.action);
      assert.equal(reply.data.action, action.action);
    }
  });
});
