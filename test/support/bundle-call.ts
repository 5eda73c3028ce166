import assert from 'node:assert/strict';
import * as v from 'valibot';
import { SuccessReplySchema } from '../../shared/protocol/reply-schema';
import { testNow } from './clock';
import { type FcHandler, formCallback } from './fc-event';

/** The `data` of a successful reply, as the platform reads it. */
export type ReplyData = v.InferOutput<typeof SuccessReplySchema>['data'];

/** Posts one event of a call and resolves to the reply's data. */
export type SendEvent = (type: string, content?: Record<string, string>) => Promise<ReplyData>;

export { restoreClock, setClock } from './clock';

/** How {@link startCall} starts a call. */
export type StartCallOptions = {
  /** The `dynamic_id` the first event carries (SmartCall's `DynamicId`, outbound); none by default. */
  readonly firstDynamicId?: string | undefined;
  /**
   * The two numbers this file's call ids count up from (`A^B`, VMS's shape), so that each test file's
   * calls keep ids of their own. `130301340000^117079730000` by default.
   */
  readonly callIdBase?: readonly [number, number];
};

let calls = 0;

/**
 * Starts a call to a built handler under a new call id and returns that id with a `send` for its
 * events. Each event carries only the `dynamic_id` of the reply before it (or `firstDynamicId`), as
 * the platform does, and is stamped with the clock the bundle reads; every reply must come back with
 * status 200 and pass `SuccessReplySchema`.
 */
export function startCall(
  handler: FcHandler,
  options: StartCallOptions = {},
): { callId: string; send: SendEvent } {
  calls += 1;
  const [first, second] = options.callIdBase ?? [130301340000, 117079730000];
  const callId = `${first + calls}^${second + calls}`;
  let dynamicId = options.firstDynamicId;
  const send: SendEvent = async (type, content = {}) => {
    const withState = dynamicId === undefined ? content : { ...content, dynamic_id: dynamicId };
    const result = await handler(
      formCallback({
        call_id: callId,
        content_type: type,
        content: JSON.stringify(withState),
        timestamp: String(testNow()),
      }),
    );
    assert.equal(result.statusCode, 200);
    const parsed = v.safeParse(SuccessReplySchema, JSON.parse(result.body));
    assert.ok(parsed.success, `not a valid reply: ${result.body}`);
    dynamicId = parsed.output.data.dynamic_id;
    return parsed.output.data;
  };
  return { callId, send };
}

/** The TTS texts a reply plays, in order, joined; empty when it plays nothing. */
export function spoken(data: ReplyData): string {
  const param = 'action_code_param' in data ? data.action_code_param : undefined;
  if (param === undefined) return '';
  return Object.values(JSON.parse(param) as Record<string, string>).join('');
}
