import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { instantClock } from '../../dev/campaign-clock';
import { scanLogOutput } from '../../dev/log-scan';
import {
  MAX_REQUEST_BYTES,
  startVmsApiServer,
  VMS_STAND_IN_ACCESS_KEY_ID,
  VMS_STAND_IN_ACCESS_KEY_SECRET,
  type VmsApiServer,
  type VmsApiServerOptions,
  type VmsFault,
} from '../../dev/vms-api-server';
import {
  type CalleeProfile,
  CalleeProfileSchema,
  chooseBehaviour,
  parseCalleeProfile,
} from '../../dev/vms-callees';
import { HANGUP_DIRECTION, type PlayedCall, receiptOf, shanghaiTime } from '../../dev/vms-play';
import { readAnswersFile } from '../../scripts/local/serving';
import { readFile } from '../../scripts/rules/rules-files';
import { outIdOf, rowOfOutId } from '../../shared/campaign/results';
import { judgeApiError, smartCallSettingsFrom } from '../../shared/campaign/smartcall';
import { compileRules } from '../../shared/rules/compile-rules';
import { sealOutboundId } from '../../shared/state/outbound-id';
import { ROOT } from '../support/fc-event';

/**
 * The VMS API stand-in as a client sees it: the signature checked by its own code (pop-core's requests and
 * hand-built ones both pass, a wrong secret does not), the common parameters, SmartCall's ranges with the
 * platform's codes and HTTP statuses, flow control, each fault, and the calls it plays.
 */

const NUMBER = '13800138000';
const SHOW_NUMBER = '05925550000';
const CALL = { CalledShowNumber: SHOW_NUMBER, CalledNumber: NUMBER, VoiceCode: 'TTS_201234567' };

/** Runs `test` with a stand-in of its own, closed after it whatever happens. */
async function withServer(
  options: VmsApiServerOptions,
  test: (server: VmsApiServer) => Promise<void>,
): Promise<void> {
  const server = await startVmsApiServer(options);
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

/** pop-core's RPC client for `server`, as the campaign signs its requests (POST). */
function popClient(server: VmsApiServer, overrides: Partial<RPCClient.Config> = {}) {
  return new RPCClient({
    endpoint: server.url,
    apiVersion: '2017-05-25',
    accessKeyId: VMS_STAND_IN_ACCESS_KEY_ID,
    accessKeySecret: VMS_STAND_IN_ACCESS_KEY_SECRET,
    ...overrides,
  });
}

type Answer = { http: number; body: Record<string, string> };

/** A SmartCall through pop-core: its answer, or the error's code, HTTP status and body. */
async function popCall(
  client: RPCClient,
  params: Record<string, string>,
  action = 'SmartCall',
): Promise<Answer> {
  try {
    const body = await client.request<Record<string, string>>(action, params, {
      method: 'POST',
      timeout: 5000,
    });
    return { http: 200, body: { ...body } };
  } catch (error) {
    const failed = error as { data?: Record<string, string>; entry?: { response?: { statusCode?: number } } };
    assert.ok(failed.data !== undefined, `no answer: ${String(error)}`);
    return { http: failed.entry?.response?.statusCode ?? 0, body: { ...failed.data } };
  }
}

/** RFC 3986 encoding, written here again so that the stand-in's own is not what checks itself. */
const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/** The common parameters of a request signed now, with a new nonce. */
function common(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Action: 'SmartCall',
    Version: '2017-05-25',
    Format: 'JSON',
    AccessKeyId: VMS_STAND_IN_ACCESS_KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...overrides,
  };
}

/** `params` signed by hand (signature 1.0), as a form or query: `…&Signature=…`. */
function sign(
  params: Record<string, string>,
  method: 'GET' | 'POST',
  secret = VMS_STAND_IN_ACCESS_KEY_SECRET,
): string {
  const canonical = Object.keys(params)
    .sort()
    .map((name) => `${encode(name)}=${encode(params[name] as string)}`)
    .join('&');
  const signature = createHmac('sha1', `${secret}&`)
    .update(`${method}&%2F&${encode(canonical)}`)
    .digest('base64');
  return `${canonical}&Signature=${encode(signature)}`;
}

/** POSTs a form to the stand-in. */
function postForm(server: VmsApiServer, form: string): Promise<Response> {
  return fetch(`${server.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

/** A request signed by hand, sent with fetch as a form (POST) or a query (GET). */
async function handCall(
  server: VmsApiServer,
  params: Record<string, string>,
  options: { method?: 'GET' | 'POST'; secret?: string } = {},
): Promise<Answer> {
  const method = options.method ?? 'POST';
  const signed = sign(params, method, options.secret);
  const response =
    method === 'GET' ? await fetch(`${server.url}/?${signed}`) : await postForm(server, signed);
  return { http: response.status, body: (await response.json()) as Record<string, string> };
}

function assertRefused(answer: Answer, http: number, code: string) {
  assert.equal(answer.body.Code, code, JSON.stringify(answer.body));
  assert.equal(answer.http, http, code);
  assert.match(answer.body.RequestId ?? '', /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  assert.equal(answer.body.CallId, undefined);
}

describe('VMS API stand-in: the request', () => {
  it('places a call that pop-core signed (POST), answering as the platform does', () =>
    withServer({}, async (server) => {
      const answer = await popCall(popClient(server), { ...CALL, OutId: 'k3x9q2r42', DynamicId: 'remind' });
      assert.equal(answer.http, 200);
      assert.equal(answer.body.Code, 'OK');
      assert.equal(answer.body.Message, 'OK');
      assert.match(answer.body.CallId ?? '', /^\d{12}\^\d{12}$/);
      assert.match(answer.body.RequestId ?? '', /^[0-9A-F-]{36}$/);
      const [placed] = server.placed;
      assert.equal(placed?.callId, answer.body.CallId);
      assert.equal(placed?.outId, 'k3x9q2r42');
      assert.equal(placed?.dynamicId, 'remind');
      assert.equal(placed?.number, NUMBER);
      assert.equal(placed?.showNumber, SHOW_NUMBER);
      assert.equal(placed?.voiceCode, 'TTS_201234567');
      assert.deepEqual(server.stats, {
        requests: 1,
        placed: 1,
        throttled: 0,
        refused: 0,
        duplicateOutIds: 0,
        peakPerSecond: 1,
        faults: { unavailable: 0, internal: 0, hang: 0, reset: 0, refuse: 0 },
      });
      assert.ok(
        !JSON.stringify(server.requests).includes(NUMBER),
        'requests are recorded without the number',
      );
    }));

  it('checks the signature with its own code: hand-built GET and POST pass, a wrong secret does not', () =>
    withServer({}, async (server) => {
      const get = await handCall(
        server,
        { ...common(), ...CALL, VoiceCodeParam: '{"time":"10点"}' },
        { method: 'GET' },
      );
      assert.equal(get.body.Code, 'OK');
      const post = await handCall(server, { ...common(), ...CALL, OutId: '订单1' });
      assert.equal(post.body.Code, 'OK');
      assert.equal(
        server.placed[1]?.outId,
        '订单1',
        'a value outside ASCII is signed as UTF-8, percent-encoded',
      );
      const wrong = await handCall(server, { ...common(), ...CALL }, { secret: 'not-the-secret' });
      assertRefused(wrong, 400, 'SignatureDoesNotMatch');
      // As the real one, the message repeats the string to sign, number included: a client must not print it.
      assert.match(
        wrong.body.Message ?? '',
        /server string to sign is:POST&%2F&.*CalledNumber%3D13800138000/,
      );
      const popWrong = await popCall(popClient(server, { accessKeySecret: 'not-the-secret' }), CALL);
      assertRefused(popWrong, 400, 'SignatureDoesNotMatch');
      assert.equal(server.placed.length, 2);
      assert.equal(server.stats.refused, 2);
    }));

  it('refuses a replayed nonce, a timestamp too old or badly written, and an unknown key', () =>
    withServer({}, async (server) => {
      const params = { ...common(), ...CALL };
      assert.equal((await handCall(server, params)).body.Code, 'OK');
      assertRefused(await handCall(server, params), 400, 'SignatureNonceUsed');
      const old = new Date(Date.now() - 16 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      assertRefused(
        await handCall(server, { ...common({ Timestamp: old }), ...CALL }),
        400,
        'InvalidTimeStamp.Expired',
      );
      const ahead = new Date(Date.now() + 16 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      assertRefused(
        await handCall(server, { ...common({ Timestamp: ahead }), ...CALL }),
        400,
        'InvalidTimeStamp.Expired',
      );
      assertRefused(
        await handCall(server, { ...common({ Timestamp: new Date().toISOString() }), ...CALL }),
        400,
        'InvalidTimeStamp.Format',
      );
      assertRefused(
        await popCall(popClient(server, { accessKeyId: 'LTAIsomeoneElse000000000' }), CALL),
        404,
        'InvalidAccessKeyId.NotFound',
      );
      assert.equal(server.placed.length, 1);
    }));

  it('takes a key issued with an STS token only with that token', () =>
    withServer(
      {
        credentials: [{ accessKeyId: 'STS.key', accessKeySecret: 'sts-secret', securityToken: 'the-token' }],
      },
      async (server) => {
        const key = { accessKeyId: 'STS.key', accessKeySecret: 'sts-secret' };
        const ok = await popCall(
          popClient(server, { ...key, securityToken: 'the-token' } as RPCClient.Config),
          CALL,
        );
        assert.equal(ok.body.Code, 'OK');
        assertRefused(await popCall(popClient(server, key), CALL), 400, 'InvalidSecurityToken.Malformed');
        assertRefused(
          await popCall(popClient(server, { ...key, securityToken: 'another' } as RPCClient.Config), CALL),
          400,
          'InvalidSecurityToken.MismatchWithAccessKey',
        );
      },
    ));

  it('refuses the common parameters it does not take, with their codes', () =>
    withServer({}, async (server) => {
      const noNonce = common();
      delete noNonce.SignatureNonce;
      assertRefused(await handCall(server, { ...noNonce, ...CALL }), 400, 'MissingParameter');
      assertRefused(
        await handCall(server, { ...common({ Format: 'XML' }), ...CALL }),
        400,
        'InvalidParameter.Format',
      );
      assertRefused(
        await handCall(server, { ...common({ SignatureMethod: 'HMAC-SHA256' }), ...CALL }),
        400,
        'InvalidSignatureMethod',
      );
      assertRefused(
        await handCall(server, { ...common({ SignatureVersion: '2.0' }), ...CALL }),
        400,
        'IncompleteSignature',
      );
      assertRefused(
        await handCall(server, { ...common({ Version: '2017-05-26' }), ...CALL }),
        400,
        'InvalidVersion',
      );
      assertRefused(await popCall(popClient(server), CALL, 'SingleCallByTts'), 404, 'InvalidAction.NotFound');
      const twice = await fetch(`${server.url}/?Action=SmartCall&Action=SmartCall`);
      assert.equal(twice.status, 400);
      const huge = await postForm(server, `OutId=${'x'.repeat(MAX_REQUEST_BYTES)}`);
      assert.equal(huge.status, 413);
      assert.equal(server.placed.length, 0);
    }));

  it("refuses SmartCall's parameters out of range: the gateway's 400s, VMS's own refusals with 200", () =>
    withServer({}, async (server) => {
      const client = popClient(server);
      const { CalledNumber: _n, ...noNumber } = CALL;
      const missing = await popCall(client, noNumber);
      assertRefused(missing, 400, 'MissingParameter');
      assert.match(missing.body.Message ?? '', /"CalledNumber"/);
      assertRefused(
        await popCall(client, { ...CALL, CalledNumber: '23800138000' }),
        200,
        'isv.MOBILE_NUMBER_ILLEGAL',
      );
      assertRefused(
        await popCall(client, { ...CALL, VoiceCodeParam: '{"time":"10:30"}' }),
        200,
        'isv.TEMPLATE_PARAMS_ILLEGAL',
      );
      assertRefused(await popCall(client, { ...CALL, MuteTime: '99999' }), 400, 'InvalidParameter');
      assertRefused(await popCall(client, { ...CALL, OutId: 'x'.repeat(16) }), 400, 'InvalidParameter');
      const unknown = await popCall(client, { ...CALL, CalledNumbr: NUMBER });
      assertRefused(unknown, 400, 'InvalidParameter');
      assert.match(unknown.body.Message ?? '', /"CalledNumbr"/);
      // A range and a number both wrong: the gateway's refusal comes first.
      assertRefused(
        await popCall(client, { ...CALL, CalledNumber: '1', Volume: '9' }),
        400,
        'InvalidParameter',
      );
      assert.equal(server.placed.length, 0);
      assert.equal(server.stats.refused, 7);
    }));

  it('throttles over its limit in any sliding second of its clock, and counts the peak', () => {
    const clock = instantClock(Date.parse('2026-03-10T10:00:00+08:00'));
    return withServer({ clock, limit: 3 }, async (server) => {
      const client = popClient(server);
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push((await popCall(client, CALL)).body.Code ?? '');
      assert.deepEqual(codes, ['OK', 'OK', 'OK', 'Throttling.User', 'Throttling.User']);
      const throttled = await popCall(client, CALL);
      assertRefused(throttled, 400, 'Throttling.User');
      assert.equal(throttled.body.Message, 'Request was denied due to user flow control.');
      clock.advance(999);
      assert.equal((await popCall(client, CALL)).body.Code, 'Throttling.User', 'the second has not passed');
      clock.advance(1);
      assert.equal((await popCall(client, CALL)).body.Code, 'OK');
      assert.equal(server.stats.throttled, 4);
      assert.equal(server.stats.peakPerSecond, 3);
      assert.equal(server.placed.length, 4);
    });
  });

  it('fails on demand: unavailable and refuse place nothing; internal, reset and hang place the call', () => {
    const plan: Record<string, VmsFault> = {
      k3x9q2r1: 'unavailable',
      k3x9q2r2: 'refuse',
      k3x9q2r3: 'internal',
      k3x9q2r4: 'reset',
      k3x9q2r5: 'hang',
    };
    return withServer({ faults: (request) => plan[request.outId ?? ''] }, async (server) => {
      const client = popClient(server);
      assertRefused(await popCall(client, { ...CALL, OutId: 'k3x9q2r1' }), 503, 'ServiceUnavailable');
      assertRefused(await popCall(client, { ...CALL, OutId: 'k3x9q2r2' }), 200, 'isv.BUSINESS_LIMIT_CONTROL');
      assertRefused(await popCall(client, { ...CALL, OutId: 'k3x9q2r3' }), 500, 'InternalError');
      await assert.rejects(postForm(server, sign({ ...common(), ...CALL, OutId: 'k3x9q2r4' }, 'POST')));
      const hung = postForm(server, sign({ ...common(), ...CALL, OutId: 'k3x9q2r5' }, 'POST'));
      const settled = hung.then(
        () => 'answered',
        () => 'closed',
      );
      while (server.placed.length < 3) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        server.placed.map((call) => call.outId),
        ['k3x9q2r3', 'k3x9q2r4', 'k3x9q2r5'],
      );
      assert.equal(server.openSockets() > 0, true);
      await server.close();
      assert.equal(await settled, 'closed', 'close() ends the hung request');
      assert.deepEqual(server.stats.faults, { unavailable: 1, internal: 1, hang: 1, reset: 1, refuse: 1 });
      assert.deepEqual(
        server.requests.map((request) => [request.fault, request.http]),
        [
          ['unavailable', 503],
          ['refuse', 200],
          ['internal', 500],
          ['reset', 0],
          ['hang', 0],
        ],
      );
    });
  });

  it('draws faults by their probabilities from its seed: the same seed, the same faults', async () => {
    const run = async (seed: number) => {
      let faults: readonly (VmsFault | undefined)[] = [];
      await withServer({ seed, faults: { unavailable: 0.3, refuse: 0.3 } }, async (server) => {
        const client = popClient(server);
        for (let i = 0; i < 12; i++) await popCall(client, CALL);
        faults = server.requests.map((request) => request.fault);
      });
      return faults;
    };
    const first = await run(7);
    assert.deepEqual(await run(7), first);
    assert.ok(
      first.includes('unavailable') && first.includes('refuse') && first.includes(undefined),
      String(first),
    );
    await assert.rejects(startVmsApiServer({ faults: { hang: 0.6, reset: 0.6 } }), RangeError);
    await assert.rejects(startVmsApiServer({ faults: { hang: 2 } }), RangeError);
    await assert.rejects(startVmsApiServer({ limit: 0 }), RangeError);
  });

  it("takes the SmartCall parameters a rules document's call settings stand for", () =>
    withServer({}, async (server) => {
      const read = readFile(join(ROOT, 'examples', 'appointment-reminder.yaml'));
      const compiled = read.ok ? compileRules(read.document) : read;
      assert.ok(compiled.ok);
      const settings = smartCallSettingsFrom(compiled.compiled.rules.settings ?? {});
      assert.equal(settings.MuteTime, '5000');
      const answer = await popCall(popClient(server), { ...CALL, ...(settings as Record<string, string>) });
      assert.equal(answer.body.Code, 'OK', answer.body.Message);
    }));

  it('answers its failures with codes the caller judges as the platform means them', () => {
    // What the campaign does with each answer of the stand-in (shared/campaign/smartcall.ts).
    const expected: readonly [code: string, http: number, verdict: string][] = [
      ['Throttling.User', 400, 'retry'],
      ['ServiceUnavailable', 503, 'retry'],
      ['SignatureNonceUsed', 400, 'retry'],
      ['SignatureDoesNotMatch', 400, 'stop'],
      ['InvalidAccessKeyId.NotFound', 404, 'stop'],
      ['InvalidTimeStamp.Expired', 400, 'stop'],
      ['InvalidTimeStamp.Format', 400, 'stop'],
      ['InvalidSecurityToken.Malformed', 400, 'stop'],
      ['InvalidSecurityToken.MismatchWithAccessKey', 400, 'stop'],
      ['IncompleteSignature', 400, 'stop'],
      ['InvalidVersion', 400, 'stop'],
      ['InvalidAction.NotFound', 404, 'stop'],
      ['MissingParameter', 400, 'stop'],
      ['InvalidParameter', 400, 'refused'],
      ['isv.MOBILE_NUMBER_ILLEGAL', 200, 'refused'],
      ['isv.TEMPLATE_PARAMS_ILLEGAL', 200, 'refused'],
      ['isv.BUSINESS_LIMIT_CONTROL', 200, 'refused'],
      ['InternalError', 500, 'uncertain'],
    ];
    assert.deepEqual(
      expected.map(([code, http]) => [code, http, judgeApiError(code, http)]),
      expected,
    );
  });

  it('places a second call with an OutId it has seen, and counts it', () =>
    withServer({}, async (server) => {
      const client = popClient(server);
      for (const outId of ['k3x9q2r1', 'k3x9q2r2', 'k3x9q2r1'])
        await popCall(client, { ...CALL, OutId: outId });
      assert.equal(server.placed.length, 3);
      assert.equal(server.stats.duplicateOutIds, 1);
    }));
});

describe('VMS API stand-in: the callees', () => {
  const example = readAnswersFile(
    join(ROOT, 'examples', 'appointment-reminder.callees.yaml'),
    CalleeProfileSchema,
  );
  assert.ok(example.ok, example.ok ? '' : example.errors.join('\n'));
  const profile: CalleeProfile = example.answers;

  it('gives each number one behaviour, the same every time, by weight, unless the profile names it', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const number = `139${String(i).padStart(8, '0')}`;
      const behaviour = chooseBehaviour(profile, number);
      assert.equal(chooseBehaviour(profile, number), behaviour);
      counts.set(behaviour.name, (counts.get(behaviour.name) ?? 0) + 1);
    }
    // 40 % confirm by voice, 5 % busy: loose bounds, a hash is no perfect die.
    assert.ok((counts.get('confirms-by-voice') ?? 0) > 700, String([...counts]));
    assert.ok((counts.get('busy') ?? 0) > 50 && (counts.get('busy') ?? 0) < 200, String([...counts]));
    assert.equal(chooseBehaviour({ ...profile, numbers: { [NUMBER]: 'busy' } }, NUMBER).name, 'busy');
    assert.notDeepEqual(
      Array.from(
        { length: 20 },
        (_, i) => chooseBehaviour({ ...profile, seed: 2 }, `1390000${i + 1000}`).name,
      ),
      Array.from({ length: 20 }, (_, i) => chooseBehaviour(profile, `1390000${i + 1000}`).name),
      'another seed, other behaviours',
    );
  });

  it('names the path of each mistake in a profile', () => {
    const parsed = parseCalleeProfile({
      behaviours: [
        { name: 'a', weight: 1, events: [{ say: '好的', press: '1' }] },
        { name: 'b', weight: 1, busy: true },
        { name: 'c', weight: 1, answer: false, events: [{ silent: true }] },
        { name: 'c', weight: -1 },
      ],
      numbers: { [NUMBER]: 'nobody', '12345': 'a' },
    });
    assert.ok(!parsed.ok);
    const errors = parsed.errors.join('\n');
    assert.match(errors, /^behaviours\.0\.events\.0: an event is one of/m);
    assert.match(errors, /^behaviours\.1: a busy line is not answered/m);
    assert.match(errors, /^behaviours\.2: a call not answered has no events/m);
    assert.match(errors, /^behaviours\.3\.weight: a weight is 0 or more/m);
    assert.match(errors, /^numbers\.12345: a number SmartCall can call/m);
    assert.ok(!parseCalleeProfile({ behaviours: [] }).ok);
  });

  it('writes receipts as the platform does: Shanghai times, 0 s when not answered, who hung up', () => {
    const placed = {
      callId: '100000000001^880000000001',
      outId: 'k3x9q2r7',
      dynamicId: undefined,
      number: NUMBER,
      showNumber: SHOW_NUMBER,
      voiceCode: 'TTS_1',
      voiceCodeParam: undefined,
      at: 0,
    };
    const at = Date.parse('2026-03-10T10:00:05+08:00');
    assert.equal(shanghaiTime(at), '2026-03-10 10:00:05');
    assert.deepEqual(
      receiptOf(placed, { status: 'NO_ANSWER', startedAt: undefined, endedAt: at, hungUpBy: 'platform' }),
      {
        call_id: placed.callId,
        out_id: 'k3x9q2r7',
        caller: SHOW_NUMBER,
        callee: NUMBER,
        start_time: '',
        end_time: '2026-03-10 10:00:05',
        duration: '0',
        status_code: '200003',
        smart_status_code: 'NO_ANSWER',
        status_msg: '用户收到呼叫但未接听',
        hangup_direction: HANGUP_DIRECTION.platform,
        voice_type: 'asr',
      },
    );
    const answered = receiptOf(placed, {
      status: 'ANSWERED',
      startedAt: at,
      endedAt: at + 16_600,
      hungUpBy: 'callee',
    });
    assert.equal(answered.duration, '17');
    assert.equal(answered.hangup_direction, '用户');
  });

  it('plays each placed call through the outbound bundle and pushes its receipt to the report bundle', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vms-stand-in-'));
    after(() => rmSync(folder, { recursive: true, force: true }));
    const outboundKey = 'campaign-outbound-key-0123456789';
    const numbers = Object.fromEntries(
      profile.behaviours.map((behaviour, i) => [`1380013${8000 + i}`, behaviour.name] as const),
    );
    const clock = instantClock(Date.parse('2026-03-10T10:00:00+08:00'));
    const seen: PlayedCall[] = [];
    await withServer(
      {
        clock,
        play: {
          rulesFile: join(ROOT, 'examples', 'appointment-reminder.yaml'),
          outboundKey,
          profile: { ...profile, numbers },
          exportDir: folder,
        },
        onPlayed: (call) => seen.push(call),
      },
      async (server) => {
        const client = popClient(server);
        for (const [i, number] of Object.keys(numbers).entries()) {
          // The first call carries the appointment, sealed under the campaign's key, as npm run call seals it.
          const dynamicId =
            i === 0
              ? sealOutboundId(
                  {
                    flow: 'remind',
                    vars: { time: '明天上午10点半', doctor: '王医生' },
                    expiresAtS: clock.now() / 1000 + 86_400,
                  },
                  [outboundKey],
                )
              : 'remind';
          const answer = await popCall(client, {
            ...CALL,
            CalledNumber: number,
            OutId: outIdOf('k3x9q2', 40 + i),
            DynamicId: dynamicId,
          });
          assert.equal(answer.body.Code, 'OK');
        }
        await server.drain();
        assert.equal(server.played.length, Object.keys(numbers).length);
        assert.deepEqual(seen, server.played);
      },
    );
    const calls = readLines(join(folder, 'calls.jsonl'));
    const ended = Object.fromEntries(calls.map((call) => [call.behaviour, call]));
    assert.equal(ended['confirms-by-voice']?.node, 'confirmedDetail', 'the sealed appointment was opened');
    for (const call of calls) {
      const expected = call.expect as { node?: string | string[] };
      if (expected.node === undefined) assert.equal(call.node, undefined, String(call.behaviour));
      else assert.equal(call.met, true, `${call.behaviour} ended in ${call.node}`);
    }
    assert.deepEqual(
      Object.fromEntries(calls.map((call) => [call.behaviour, [call.status, call.hungUpBy]])),
      {
        'confirms-by-voice': ['ANSWERED', 'platform'],
        'confirms-by-key': ['ANSWERED', 'platform'],
        cancels: ['ANSWERED', 'platform'],
        reschedules: ['ANSWERED', 'platform'],
        'stays-silent': ['ANSWERED', 'platform'],
        'hangs-up-mid-question': ['ANSWERED', 'callee'],
        'no-answer': ['NO_ANSWER', 'platform'],
        busy: ['USER_BUSY', 'callee'],
      },
    );
    assert.equal(ended.reschedules?.node, 'toDesk', 'the desk is staffed at 10:00');

    const receipts = readLines(join(folder, 'receipts.jsonl')).filter((line) => line.msg === 'receipt');
    assert.equal(receipts.length, calls.length);
    for (const receipt of receipts) {
      assert.equal(receipt.receiptType, 'VoiceReport');
      assert.match(String(receipt.out_id), /^k3x9q2r4\d$/, 'the OutId comes back intact');
      assert.ok((rowOfOutId('k3x9q2', String(receipt.out_id)) ?? 0) >= 40, 'and names its row');
      assert.match(String(receipt.callee), /^138\*{4}80\d\d$/);
      assert.equal(receipt.caller, '059****0000');
    }
    const callbacks = readLines(join(folder, 'callbacks.jsonl'));
    assert.ok(callbacks.some((line) => line.msg === 'callback' && line.node === 'cancelled'));
    assert.ok(callbacks.every((line) => line.fn === 'outbound'));
    for (const file of ['calls', 'receipts', 'callbacks']) {
      const text = readFileSync(join(folder, `${file}.jsonl`), 'utf8');
      assert.doesNotMatch(text, /1380013800\d/, `${file}.jsonl holds a number unmasked`);
      assert.doesNotMatch(text, new RegExp(outboundKey), `${file}.jsonl holds the key`);
      // And the suite's scan of every function log line (test/suite.mts) reads them too.
      scanLogOutput(text, [outboundKey]);
    }
  });
});

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
