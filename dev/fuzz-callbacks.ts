/**
 * Generated requests for the built callback functions, and the properties every reply must have. Shared by
 * the quick slice in the tests (test/fuzz/) and `npm run fuzz`, which runs a million through the bundles;
 * `--lookups` (dev/fuzz-lookups.ts) holds its calls' replies to the same properties.
 *
 * Properties:
 * - never a throw, never a 5xx;
 * - a platform-shaped callback gets HTTP 200 and a reply valid for its event (`answer` or `hangup` after
 *   `callin`, never `answer` after anything else), for its own call id;
 * - what is not a callback gets a 4xx;
 * - no forged, replayed or plain-name state is trusted on an inbound call: the call restarts, with the
 *   recovery prompt;
 * - no reply echoes what the request carried (a marker planted in the words, numbers and extra fields).
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { SuccessReplySchema } from '../shared/protocol/reply-schema';
import { buildFcEvent, type FcHandler, type FcResult, formCallback } from './fc-event';

/** Planted in what a request carries; no reply may contain it. */
const ECHO_MARKER = 'QZXECHO';

/** The recovery prompt of the embedded default rules: a restarted call hears it first. */
const RECOVERY = '抱歉，刚才没有跟上';

const KNOWN_TYPES = ['callin', 'normal', 'mute', 'dtmf', 'timebreak', 'parallel_transfer'] as const;

/** A call id as VMS writes it (`130301340124^117079730123`), or something else. */
const callIdArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(fc.nat(999_999_999_999), fc.nat(999_999_999_999)).map(([a, b]) => `${a}^${b}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** A `dynamic_id` no instance sealed for this call: garbage, look-alikes, flow names, other calls' states. */
export const forgedStateArb = (replayed: readonly string[]) =>
  fc.oneof(
    fc.constantFrom('hotline', 'welcome', 'menu', 'agent', 'vip', 'goodbye'),
    fc.string({ minLength: 1, maxLength: 60 }).map((s) => `2.${Buffer.from(s).toString('base64url')}`),
    fc.base64String({ minLength: 4, maxLength: 200 }).map((s) => `2.${s}`),
    fc.string({ minLength: 1, maxLength: 80 }),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/),
    ...(replayed.length === 0 ? [] : [fc.constantFrom(...replayed)]),
  );

const phoneArb = fc.oneof(
  fc.stringMatching(/^1[3-9][0-9]{9}$/),
  fc.stringMatching(/^0[1-9][0-9]{9,10}$/),
  fc.string({ maxLength: 20 }),
);

/** `content` of a known event type, with the marker planted where a reply might echo it. */
const contentArb = (type: string, replayed: readonly string[]) =>
  fc
    .record(
      {
        caller: phoneArb,
        callee: phoneArb,
        words: fc.string({ maxLength: 300 }).map((s) => `${s}${ECHO_MARKER}`),
        dtmf_digits: fc.oneof(
          fc.stringMatching(/^[0-9*#]{0,50}$/),
          fc.constant('noInputTimeout'),
          fc.string(),
        ),
        transfer_status: fc.constantFrom('success', 'fail', 'ringing', ''),
        dynamic_id: forgedStateArb(replayed),
        [ECHO_MARKER]: fc.string({ maxLength: 20 }),
      },
      { requiredKeys: type === 'callin' ? [] : ['dynamic_id'] },
    )
    // A `__proto__` key, as a hostile sender writes it: JSON.stringify would drop it from an object.
    .map((content) => JSON.stringify(content).replace(/^\{/, `{"__proto__":{"polluted":"${ECHO_MARKER}"},`));

export type FuzzRequest = {
  readonly event: Buffer;
  /** What the request is, for the properties. */
  readonly kind: 'callback' | 'not-a-callback' | 'status';
  readonly callId: string;
  readonly type: string;
  /** A non-callin event of a known type carrying a forged state. */
  readonly forged: boolean;
};

/** The requests: callbacks in every encoding, with forged states, and junk around them. */
export function requestArb(replayed: readonly string[] = []): fc.Arbitrary<FuzzRequest> {
  // Built once: building arbitraries (regex ones above all) costs far more than drawing from them.
  const withState = contentArb('normal', replayed);
  const withoutState = contentArb('callin', replayed);
  const junkContent = fc.string({ maxLength: 200 });
  const callback = fc
    .tuple(
      callIdArb,
      fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...KNOWN_TYPES) },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
      ),
      fc.constantFrom('form', 'form-base64', 'query', 'json'),
      fc.nat(),
    )
    .chain(([callId, type, encoding, timestamp]) =>
      fc
        .oneof(
          { weight: 9, arbitrary: type === 'callin' ? withoutState : withState },
          { weight: 1, arbitrary: junkContent },
        )
        .map((content): FuzzRequest => {
          const params = { call_id: callId, content_type: type, content, timestamp: String(timestamp) };
          const event =
            encoding === 'query'
              ? buildFcEvent({ query: params })
              : encoding === 'json'
                ? buildFcEvent({
                    headers: { 'Content-Type': 'application/json' },
                    body: JSON.stringify(params),
                  })
                : formCallback(params, { base64: encoding === 'form-base64' });
          // What the protocol takes for a call id and an event type (restated, not imported): values trimmed.
          const platformShaped =
            /^[0-9A-Za-z^._:-]{1,128}$/.test(callId.trim()) && /^[A-Za-z_]{1,64}$/.test(type.trim());
          const parsedContent = safeJson(content);
          return {
            event,
            kind: platformShaped ? 'callback' : 'not-a-callback',
            callId: callId.trim(),
            type: type.trim(),
            forged:
              platformShaped &&
              type !== 'callin' &&
              (KNOWN_TYPES as readonly string[]).includes(type) &&
              parsedContent !== undefined &&
              typeof parsedContent.dynamic_id === 'string',
          };
        }),
    );
  const junk = fc
    .tuple(fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH'), fc.uint8Array({ maxLength: 300 }), fc.boolean())
    .map(
      ([method, bytes, base64]): FuzzRequest => ({
        event: buildFcEvent({ method, body: Buffer.from(bytes), base64 }),
        kind: 'not-a-callback',
        callId: '',
        type: '',
        forged: false,
      }),
    );
  const rawEvents = fc.uint8Array({ maxLength: 200 }).map(
    (bytes): FuzzRequest => ({
      event: Buffer.from(bytes),
      kind: 'not-a-callback',
      callId: '',
      type: '',
      forged: false,
    }),
  );
  const status = fc.constant<FuzzRequest>({
    event: buildFcEvent({ method: 'GET' }),
    kind: 'status',
    callId: '',
    type: '',
    forged: false,
  });
  return fc.oneof(
    { weight: 20, arbitrary: callback },
    { weight: 3, arbitrary: junk },
    { weight: 1, arbitrary: rawEvents },
    { weight: 1, arbitrary: status },
  );
}

/** The JSON object a text holds, or undefined (anything else, or not JSON). */
export function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends one request and checks every property; returns what is wrong, or undefined. A request whose
 * content the function could not read (a broken JSON text) is held only to the properties that do not
 * depend on reading it.
 */
export async function checkRequest(handler: FcHandler, request: FuzzRequest): Promise<string | undefined> {
  let result: FcResult;
  try {
    result = await handler(request.event);
  } catch (error) {
    return `the handler threw: ${String(error)}`;
  }
  return checkReply(request, result);
}

/** Checks one reply to `request` against every property; returns what is wrong, or undefined. */
export function checkReply(request: FuzzRequest, result: FcResult): string | undefined {
  if (!(result.statusCode >= 200 && result.statusCode < 500)) return `HTTP ${result.statusCode}`;
  if (result.body.includes(ECHO_MARKER)) return `the reply echoes the request: ${result.body.slice(0, 200)}`;
  if (request.kind === 'status')
    return result.statusCode === 200 ? undefined : `status answered ${result.statusCode}`;
  if (request.kind === 'not-a-callback') {
    return result.statusCode >= 400 ? undefined : `a request that is no callback got ${result.statusCode}`;
  }
  if (result.statusCode !== 200)
    return `a callback got HTTP ${result.statusCode}: ${result.body.slice(0, 200)}`;
  const parsed = v.safeParse(SuccessReplySchema, safeJson(result.body));
  if (!parsed.success) return `an invalid reply: ${result.body.slice(0, 300)}`;
  const { data } = parsed.output;
  if (data.call_id !== request.callId) return `a reply for call ${data.call_id}, not ${request.callId}`;
  if (request.type === 'callin' && data.action !== 'answer' && data.action !== 'hangup') {
    return `callin answered with ${data.action}`;
  }
  if (request.type !== 'callin' && data.action === 'answer') return `${request.type} answered with answer`;
  if (request.forged) {
    const spoken = 'action_code_param' in data ? String(data.action_code_param) : '';
    // A forged state restarts the call: the recovery prompt first. (A content the function could not
    // read has no state at all, and restarts the same way.)
    if (!spoken.includes(RECOVERY)) return `a forged state was trusted: ${result.body.slice(0, 300)}`;
  }
  return undefined;
}

/** States sealed for other calls, to replay: real tokens, sealed by the handler for call ids of their own. */
export async function collectStatesOfOtherCalls(handler: FcHandler, count: number): Promise<string[]> {
  const states: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = await handler(
      formCallback({
        call_id: `999999${i}^888888${i}`,
        content_type: 'callin',
        content: JSON.stringify({ caller: '13800138000', callee: '05923391657' }),
      }),
    );
    const dynamicId = (safeJson(result.body)?.data as { dynamic_id?: unknown } | undefined)?.dynamic_id;
    if (typeof dynamicId === 'string') states.push(dynamicId);
  }
  return states;
}

/**
 * The positive control of the forged-state property: a callin, then a silence carrying the reply's own
 * state, must go on in the call (no recovery prompt). Returns what is wrong, or undefined.
 */
export async function checkGenuineState(handler: FcHandler): Promise<string | undefined> {
  const post = (type: string, content: Record<string, string>) =>
    handler(formCallback({ call_id: '777^888', content_type: type, content: JSON.stringify(content) }));
  const answered = safeJson((await post('callin', { caller: '13800138000', callee: '05923391657' })).body);
  const dynamicId = (answered?.data as { dynamic_id?: unknown } | undefined)?.dynamic_id;
  if (typeof dynamicId !== 'string') return 'the callin carried no state';
  const next = (await post('mute', { dynamic_id: dynamicId })).body;
  return next.includes(RECOVERY) ? `its own state restarted the call: ${next.slice(0, 200)}` : undefined;
}
