import * as v from 'valibot';
import type { CallSettings } from '../protocol/call-settings';
import { MAX_DYNAMIC_ID_CHARS } from '../protocol/reply-schema';

/**
 * The SmartCall API (dyvmsapi 2017-05-25, RPC style) as this project sends it and as its stand-in
 * (dev/vms-api-server.ts) enforces it: one description of the parameters and their ranges, so that the
 * campaign caller refuses before sending exactly what the stand-in would refuse. The facts come from the
 * API's SDK model and reference page; where a bound is not documented the tighter reading is taken and
 * said in docs/campaigns.md.
 */
export const SMARTCALL_API = {
  action: 'SmartCall',
  version: '2017-05-25',
  endpoint: 'https://dyvmsapi.aliyuncs.com',
  /** The documented account-wide limit. */
  callsPerSecond: 1000,
} as const;

/** The longest `OutId`, in UTF-8 bytes. */
export const MAX_OUT_ID_BYTES = 15;

/** The longest `VoiceCode` (one or more codes, comma-separated) and `VoiceCodeParam`, in characters. */
export const MAX_VOICE_CODE_CHARS = 512;
export const MAX_VOICE_CODE_PARAM_CHARS = 1024;

/**
 * Characters the platform refuses in the values of TTS variables (`VoiceCodeParam`): its reference lists
 * `@ = : " $ { } ^ * ¥`, without saying where; they are refused here in every value, before sending.
 */
export const FORBIDDEN_VARIABLE_CHARS = /[@=:"${}^*¥]/u;

/** A mainland number SmartCall can call: a mobile (11 digits), or a landline with its area code. */
export const CALLED_NUMBER_PATTERN = /^(?:1[3-9][0-9]{9}|0[1-9][0-9]{8,10})$/;
/** A number the account owns, shown to the callee: a landline with area code, a mobile, or a 95/400 number. */
export const SHOW_NUMBER_PATTERN = /^[0-9]{5,20}$/;

const text = (pattern: RegExp, message: string) => v.pipe(v.string(), v.regex(pattern, message));
/** A whole number written as text (every RPC parameter travels as text), within bounds. */
const integerText = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.check(
      (written) => /^-?[0-9]{1,6}$/.test(written) && Number(written) >= min && Number(written) <= max,
      `a whole number from ${min} to ${max}`,
    ),
  );
const booleanText = v.picklist(['true', 'false'], 'true or false');
const identifier = (what: string) =>
  text(/^[A-Za-z0-9_.-]{1,64}$/, `${what} is 1–64 letters, digits, "_", "-" or "."`);

/** Values of `VoiceCodeParam`: a JSON object of text, each value free of the forbidden characters. */
const VoiceCodeParamSchema = v.pipe(
  v.string(),
  v.maxLength(MAX_VOICE_CODE_PARAM_CHARS, `at most ${MAX_VOICE_CODE_PARAM_CHARS} characters`),
  v.check((written) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(written);
    } catch {
      return false;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
    return Object.entries(parsed).every(
      ([name, value]) =>
        /^[A-Za-z0-9_]{1,32}$/.test(name) &&
        typeof value === 'string' &&
        !FORBIDDEN_VARIABLE_CHARS.test(value),
    );
  }, 'a JSON object of text values, names of letters, digits and "_", values without @ = : " $ { } ^ * ¥'),
);

/**
 * The request parameters of one SmartCall, as they travel (text), without the RPC envelope (`Action`,
 * `Version`, `AccessKeyId`, `Signature…`, `Timestamp`, `Format`, `SecurityToken`). A parameter not listed
 * here is refused: a misspelt one would otherwise be dropped by the platform without a word.
 */
export const SmartCallParamsSchema = v.strictObject({
  CalledShowNumber: text(SHOW_NUMBER_PATTERN, 'a number of the account: 5–20 digits'),
  CalledNumber: text(
    CALLED_NUMBER_PATTERN,
    'a mainland mobile (11 digits from 13) or a landline with its area code (0…, 10–12 digits)',
  ),
  VoiceCode: v.pipe(
    v.string(),
    v.maxLength(MAX_VOICE_CODE_CHARS, `at most ${MAX_VOICE_CODE_CHARS} characters`),
    v.regex(
      /^[A-Za-z0-9_.$-]+(?:,[A-Za-z0-9_.$-]+)*$/,
      'one or more voice codes (an audio file, a voice id or a TTS template code), comma-separated',
    ),
  ),
  VoiceCodeParam: v.optional(VoiceCodeParamSchema),
  DynamicId: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(MAX_DYNAMIC_ID_CHARS, `at most ${MAX_DYNAMIC_ID_CHARS} characters`),
    ),
  ),
  OutId: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, 'at least 1 byte'),
      v.check(
        (written) => Buffer.byteLength(written) <= MAX_OUT_ID_BYTES,
        `at most ${MAX_OUT_ID_BYTES} bytes`,
      ),
    ),
  ),
  RecordFlag: v.optional(booleanText),
  AsrBaseId: v.optional(identifier('an ASR base model')),
  AsrModelId: v.optional(identifier('an ASR model id')),
  EarlyMediaAsr: v.optional(booleanText),
  EnableITN: v.optional(booleanText),
  StreamAsr: v.optional(v.picklist(['0', '1'], '0 or 1')),
  MuteTime: v.optional(integerText(1000, 20000)),
  PauseTime: v.optional(integerText(300, 1200)),
  SessionTimeout: v.optional(integerText(1, 3600)),
  ActionCodeBreak: v.optional(booleanText),
  ActionCodeTimeBreak: v.optional(integerText(1, 60000)),
  TtsConf: v.optional(booleanText),
  TtsStyle: v.optional(identifier('a TTS voice')),
  TtsVolume: v.optional(integerText(0, 100)),
  TtsSpeed: v.optional(integerText(-200, 200)),
  Volume: v.optional(integerText(-4, 4)),
  BackgroundFileCode: v.optional(identifier('a background audio code')),
  BackgroundVolume: v.optional(integerText(-4, 4)),
  BackgroundSpeed: v.optional(integerText(-500, 500)),
});
export type SmartCallParams = v.InferOutput<typeof SmartCallParamsSchema>;

/** The names SmartCall takes, for a column or `--set NAME=VALUE` to be told from a mistake. */
export const SMARTCALL_PARAM_NAMES: readonly string[] = Object.keys(SmartCallParamsSchema.entries);

/** Every problem of `params` as `Name: message`, none when SmartCall would take them. */
export function checkSmartCallParams(params: Record<string, unknown>): string[] {
  const parsed = v.safeParse(SmartCallParamsSchema, params);
  if (parsed.success) return [];
  return parsed.issues.map((issue) => {
    const key = v.getDotPath(issue);
    if (issue.kind === 'schema' && issue.type === 'strict_object' && key !== null)
      return `${key}: SmartCall takes no such parameter`;
    return `${key ?? 'parameters'}: ${issue.message}`;
  });
}

/**
 * The SmartCall parameters a rules document's call settings stand for (the same settings the `outbound`
 * function would give on its first reply), as defaults under a campaign's own.
 */
export function smartCallSettingsFrom(settings: CallSettings): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  const put = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) out[name] = String(value);
  };
  put('AsrBaseId', settings.asrBaseId);
  put('AsrModelId', settings.asrModelId);
  put('RecordFlag', settings.record);
  put('MuteTime', settings.muteTimeMs);
  put('PauseTime', settings.pauseTimeMs);
  put('SessionTimeout', settings.sessionTimeoutS);
  put('ActionCodeBreak', settings.bargeIn);
  put('ActionCodeTimeBreak', settings.bargeInAfterMs);
  put('TtsStyle', settings.tts?.voice);
  put('TtsVolume', settings.tts?.volume);
  put('TtsSpeed', settings.tts?.speed);
  return out;
}

/**
 * What the caller does with an answer of the API, decided by its error code alone (never by its message,
 * which may repeat the signed request, number included):
 *
 * - `retry`: the call was certainly not placed and may be tried again after a pause (flow control, a
 *   service briefly unavailable, a nonce the server has seen).
 * - `stop`: nothing will succeed until a person acts (credentials, signature, clock, permission,
 *   balance, any other refusal of the request itself with a 4xx): the row stays unplaced and the campaign
 *   stops, rather than marking every row refused.
 * - `refused`: the platform refused this row for a reason of its own (number, template, limits): final.
 * - `uncertain`: the call may have been placed (an internal error after the request arrived): never
 *   retried automatically; the receipts settle it by `OutId`.
 */
export type ApiErrorVerdict = 'retry' | 'stop' | 'refused' | 'uncertain';

const RETRY_CODES = new Set([
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'SignatureNonceUsed',
]);
const STOP_CODES = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidTimeStamp.Expired',
  'InvalidTimeStamp.Format',
  'InvalidSecurityToken.Expired',
  'InvalidSecurityToken.Malformed',
  'InvalidSecurityToken.MismatchWithAccessKey',
  'Forbidden.RAM',
  'Forbidden',
  'Forbidden.AccessKeyDisabled',
  'isv.AMOUNT_NOT_ENOUGH',
  'isv.ACCOUNT_ABNORMAL',
  'isv.ACCOUNT_NOT_EXISTS',
  'isv.OUT_OF_SERVICE',
  'isv.PRODUCT_UN_SUBSCRIPT',
  'isv.PRODUCT_UNSUBSCRIBE',
  'isv.RAM_PERMISSION_DENY',
  'InvalidAction.NotFound',
  'InvalidVersion',
  'MissingParameter',
]);

/** The verdict on an error code (`Code` of the JSON answer) and the HTTP status it came with. */
export function judgeApiError(code: string, httpStatus: number): ApiErrorVerdict {
  if (RETRY_CODES.has(code) || code.startsWith('Throttling')) return 'retry';
  if (STOP_CODES.has(code)) return 'stop';
  if (code.startsWith('isv.') || code.startsWith('InvalidParameter') || code.startsWith('InvalidParam'))
    return 'refused';
  if (httpStatus === 503) return 'retry';
  // Another refusal of the request itself (a 4xx: a malformed signature method, an unsupported method, a
  // body too large): nothing was placed, and nothing will be until the request is made differently.
  if (httpStatus >= 400 && httpStatus < 500) return 'stop';
  // InternalError (500), an unknown code with 200: the request arrived, and what happened to it is not known.
  return 'uncertain';
}

/**
 * An answer's `RequestId` as the results file keeps it: as it came when it has a UUID's shape (as Alibaba
 * Cloud writes them), none otherwise (an endpoint that puts anything else there is not trusted with it).
 */
export function readRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9A-F]{8}(?:-[0-9A-F]{4}){3}-[0-9A-F]{12}$/i.test(value)
    ? value
    : undefined;
}

/** The answer of a SmartCall that placed the call. */
export const SmartCallAnswerSchema = v.looseObject({
  Code: v.literal('OK'),
  /**
   * Two parts around a `^` (digits `^` digits, as every call id seen), of a callback's `call_id`
   * characters: what the receipts will carry. Anything else (a bare number above all) is not kept.
   */
  CallId: v.pipe(v.string(), v.regex(/^[0-9A-Za-z._:-]{1,64}\^[0-9A-Za-z._:-]{1,64}$/)),
  RequestId: v.optional(v.unknown()),
  Message: v.optional(v.string()),
});

/** An error answer: Alibaba Cloud's JSON error body (also sent with HTTP 200 by VMS's own refusals). */
export const ApiErrorAnswerSchema = v.looseObject({
  /** An error code is a word of letters, digits, `.`, `_` and `-` (`isv.MOBILE_NUMBER_ILLEGAL`): kept and shown. */
  Code: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z][A-Za-z0-9._-]{0,127}$/),
    // No code has a number in it: five digits in a row are someone's, not the API's.
    v.check((code) => !/[0-9]{5}/.test(code)),
  ),
  RequestId: v.optional(v.unknown()),
  Message: v.optional(v.string()),
});
