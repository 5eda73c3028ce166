/**
 * A local stand-in for the VMS API (`dyvmsapi.aliyuncs.com`, RPC style, version 2017-05-25), on 127.0.0.1,
 * answering `SmartCall` as the platform does, so that a campaign (`npm run call`) can be run, broken and
 * resumed without an account and without calling anyone; with a profile of callees it also plays each call
 * it placed through the real `outbound` function and pushes its receipt to the real `report` function
 * (dev/vms-play.ts), so that the whole campaign, outcomes included, runs offline. Tests start it with
 * {@link startVmsApiServer}; `npm run vms-api:stand-in` serves it until Ctrl-C.
 *
 * It is never kinder than the platform. What it models, and where each rule comes from:
 *
 * - Transport (Alibaba Cloud's RPC style, as `@alicloud/pop-core` sends it): POST with the parameters as
 *   an `application/x-www-form-urlencoded` body, or GET with them in the query, to `/`; a body over 64 KB
 *   is refused (413). Every answer is JSON `{RequestId, Code, Message}` (`CallId` too on success), its
 *   RequestId an upper-case UUID, as Alibaba writes them. A parameter given twice is refused.
 * - Signature 1.0 (the RPC signature reference), checked by this file's own code, not pop-core's: every
 *   parameter but `Signature`, sorted by name (byte order), name and value percent-encoded per RFC 3986,
 *   joined `k=v&…`; the string to sign `METHOD&%2F&` + that, encoded again; HMAC-SHA1 keyed with the
 *   secret and `&`, base64; compared in constant time. A mismatch is `SignatureDoesNotMatch` (400), whose
 *   Message repeats the server's string to sign, as the real one does: a client that prints API messages
 *   prints the called number with it.
 * - The common parameters (the RPC common-parameters and client error-code pages): a missing one is
 *   `MissingParameter` (400); `Format` other than JSON (in any case: SDKs send `json` too) is `InvalidParameter.Format` (400, this stand-in
 *   answers JSON only); `SignatureMethod` other than HMAC-SHA1 is `InvalidSignatureMethod` (400);
 *   `SignatureVersion` other than 1.0 is `IncompleteSignature` (400); a `Timestamp` not written
 *   `YYYY-MM-DDTHH:mm:ssZ` is `InvalidTimeStamp.Format` (400), one more than 15 minutes from the real
 *   wall clock (pop-core signs with the real date, whatever the stand-in's clock says)
 *   `InvalidTimeStamp.Expired` (400); a `SignatureNonce` seen in the last 15 minutes is `SignatureNonceUsed`
 *   (400; nonces are kept as hashes, pruned after 15 minutes and at most {@link MAX_NONCES} of them); an
 *   unknown `AccessKeyId` is `InvalidAccessKeyId.NotFound` (404); a key issued with an STS token needs that
 *   `SecurityToken` (`InvalidSecurityToken.Malformed` without one, `InvalidSecurityToken.MismatchWithAccessKey`
 *   for another, or for a token sent with a key that has none; 400); a `Version` other than 2017-05-25 is
 *   `InvalidVersion` (400); an `Action` other than SmartCall, or another path, `InvalidAction.NotFound` (404).
 * - Flow control (the account's QPS limit; "Throttling.User", user flow control): at most `limit` signed
 *   requests (100 by default) in any sliding second of the stand-in's clock; the others are
 *   `Throttling.User` (400) "Request was denied due to user flow control.", and never placed.
 * - SmartCall's parameters (the API reference, as shared/campaign/smartcall.ts describes them once, for the
 *   caller and for this stand-in): a required one missing is `MissingParameter` (400, the Message names
 *   it); a parameter SmartCall does not take, or a value out of its range, `InvalidParameter` (400); a
 *   `CalledNumber` that is no number SmartCall can call is `isv.MOBILE_NUMBER_ILLEGAL`, and a bad
 *   `VoiceCodeParam` `isv.TEMPLATE_PARAMS_ILLEGAL`: VMS's own refusals, which come with HTTP 200.
 * - Faults, on demand (probabilities drawn from a seeded generator, or a function for tests): `unavailable`
 *   (503 ServiceUnavailable, the call not placed), `internal` (500 InternalError after the call was
 *   placed: the call happens), `hang` (the call placed, no answer ever: the connection stays open until the
 *   client gives up or the stand-in closes), `reset` (the call placed, the connection reset without an
 *   answer), `refuse` (`isv.BUSINESS_LIMIT_CONTROL`, 200, not placed: the platform's own flow control of a
 *   number). An `internal`, `hang` or `reset` call is one the caller cannot know was placed: only its
 *   receipt, found by `OutId`, tells.
 * - Success: `{Code: "OK", Message: "OK", RequestId, CallId}`, the CallId shaped as the platform's
 *   (`<12 digits>^<12 digits>`) and unique. The platform does not refuse an `OutId` it has seen: a second
 *   call is placed, and counted in {@link VmsApiStats.duplicateOutIds}.
 *
 * Every request is recorded ({@link VmsApiServer.requests}, without the number) and every placed call
 * ({@link VmsApiServer.placed}, the number whole, in memory only: nothing here prints or writes one).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSmartCallParams, SMARTCALL_API, SmartCallParamsSchema } from '../shared/campaign/smartcall';
import { type CampaignClock, REAL_CLOCK } from './campaign-clock';
import { seededRandom } from './seeded-random';
import { callIdsFor, newCallIdSeed } from './simulator/run-scenarios';
import { readBody, sendBroken, sendJson, serveStandIn } from './stand-in-http';
import {
  type CallPlayer,
  createCallPlayer,
  type PlacedCall,
  type PlayedCall,
  type PlayOptions,
} from './vms-play';

export type { PlacedCall, PlayedCall, PlayOptions } from './vms-play';

/** The access key the stand-in knows by default: not a secret, printed at its start. */
export const VMS_STAND_IN_ACCESS_KEY_ID = 'LTAIvmsStandIn0000000000';
export const VMS_STAND_IN_ACCESS_KEY_SECRET = 'vms-stand-in-secret-not-a-secret';

/** The largest request body read, bytes: a SmartCall is a few hundred. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** How far a `Timestamp` may be from the real clock, and how long a nonce is remembered. */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;
/** The most nonces remembered: past it the oldest are forgotten first. */
export const MAX_NONCES = 200_000;
export const DEFAULT_LIMIT = 100;

/** The ways a request can fail on demand. */
export const VMS_FAULTS = ['unavailable', 'internal', 'hang', 'reset', 'refuse'] as const;
export type VmsFault = (typeof VMS_FAULTS)[number];

/** A request the faults function is asked about: its place among all requests (0-based), and what it asks. */
export type VmsFaultRequest = {
  readonly index: number;
  readonly outId: string | undefined;
  readonly number: string;
};

/** An access key the stand-in accepts; one issued with an STS token takes only requests that carry it. */
export type VmsCredential = {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
};

export type VmsApiServerOptions = {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The keys it accepts; {@link VMS_STAND_IN_ACCESS_KEY_ID} and its secret by default. */
  readonly credentials?: readonly VmsCredential[];
  /** Signed requests taken in any sliding second ({@link DEFAULT_LIMIT} by default). */
  readonly limit?: number;
  /** The seed of the faults' draws (1 by default). */
  readonly seed?: number;
  /** The probability of each fault (0 to 1, summing to at most 1), or the fault of each request. */
  readonly faults?:
    | Partial<Readonly<Record<VmsFault, number>>>
    | ((request: VmsFaultRequest) => VmsFault | undefined);
  /** The rate window's clock and the calls' (the real one by default); timestamps are checked on the real one. */
  readonly clock?: CampaignClock;
  /** Plays each placed call (dev/vms-play.ts); without it, calls are placed and nothing more. */
  readonly play?: PlayOptions;
  /** Called with each call once placed, and the fault it met (the command prints a line, the number masked). */
  readonly onPlaced?: (call: PlacedCall, fault: VmsFault | undefined) => void;
  /** Called with each call once played and its receipt pushed. */
  readonly onPlayed?: (call: PlayedCall) => void;
};

/** One request as the stand-in answered it: never the number. */
export type VmsApiRequest = {
  readonly index: number;
  /** When it was answered, on the stand-in's clock. */
  readonly at: number;
  readonly method: string;
  readonly action: string | undefined;
  readonly outId: string | undefined;
  /** The answer's `Code` (`OK`, `Throttling.User`…), none for a hang or a reset. */
  readonly code: string | undefined;
  /** The answer's HTTP status; 0 for a hang or a reset. */
  readonly http: number;
  readonly fault: VmsFault | undefined;
  /** The call's id, when it was placed. */
  readonly callId: string | undefined;
};

export type VmsApiStats = {
  readonly requests: number;
  readonly placed: number;
  readonly throttled: number;
  readonly faults: Readonly<Record<VmsFault, number>>;
  /** Requests refused for what they were: credentials, signature, common or SmartCall parameters. */
  readonly refused: number;
  /** Calls placed with an `OutId` an earlier call had. */
  readonly duplicateOutIds: number;
  /** The most requests taken in one sliding second. */
  readonly peakPerSecond: number;
};

export type VmsApiServer = {
  /** `http://127.0.0.1:<port>`: a client's endpoint. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly VmsApiRequest[];
  readonly placed: readonly PlacedCall[];
  /** The calls played so far (with options.play), in the order they ended. */
  readonly played: readonly PlayedCall[];
  /** The calls that could not be played (a function that cannot run, an export folder that cannot be written). */
  readonly unplayed: readonly { readonly callId: string; readonly error: string }[];
  readonly stats: VmsApiStats;
  /** The connections open now (a hung request keeps one). */
  openSockets(): number;
  /** Resolves once every call placed so far has been played and its receipt pushed. */
  drain(): Promise<void>;
  /** Stops listening and destroys every connection, hung ones included; calls still playing go on (drain first). */
  close(): Promise<void>;
};

/** An answer refused: its HTTP status, code and message. */
type Refusal = { readonly http: number; readonly code: string; readonly message: string };

const refusal = (http: number, code: string, message: string): Refusal => ({ http, code, message });

/** The RPC parameters that are not the API's own. */
const COMMON_PARAMS = [
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SecurityToken',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
] as const;
/** The common parameters every request carries (`Format` is checked on its own; a token only with STS keys). */
const REQUIRED_COMMON = COMMON_PARAMS.filter((name) => name !== 'Format' && name !== 'SecurityToken');
/** SmartCall's required parameters, read from its one description. */
const REQUIRED_SMARTCALL = Object.entries(SmartCallParamsSchema.entries)
  .filter(([, schema]) => schema.type !== 'optional')
  .map(([name]) => name);
/** The parameters whose bad values VMS itself refuses (HTTP 200), and how. */
const VMS_REFUSALS: Readonly<Record<string, Refusal>> = {
  CalledNumber: refusal(200, 'isv.MOBILE_NUMBER_ILLEGAL', '号码格式非法'),
  VoiceCodeParam: refusal(200, 'isv.TEMPLATE_PARAMS_ILLEGAL', '模板变量里包含非法关键字'),
};
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const missing = (name: string) =>
  refusal(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );

/** RFC 3986 percent-encoding, as signature 1.0 wants it: `encodeURIComponent`, and `!'()*` too. */
export function percentEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%7E', '~');
}

/** Signature 1.0's string to sign of a request's parameters (all of them but `Signature`). */
export function stringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()]
    .filter((name) => name !== 'Signature')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const canonical = names
    .map((name) => `${percentEncode(name)}=${percentEncode(params.get(name) ?? '')}`)
    .join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** Whether `given` is the HMAC-SHA1 of `toSign` under `secret`, compared in constant time. */
function signatureMatches(toSign: string, secret: string, given: string): boolean {
  const expected = Buffer.from(createHmac('sha1', `${secret}&`).update(toSign).digest('base64'));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** The parameters of a request (query, and a form body), or the name of one given twice. */
function readParams(req: IncomingMessage, body: string): Map<string, string> | { readonly twice: string } {
  const params = new Map<string, string>();
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
  for (const source of [url.searchParams, new URLSearchParams(form ? body : '')]) {
    for (const [name, value] of source) {
      if (params.has(name)) return { twice: name };
      params.set(name, value);
    }
  }
  return params;
}

/** Starts the stand-in on 127.0.0.1; with options.play, loads the functions the calls are played through. */
export async function startVmsApiServer(options: VmsApiServerOptions = {}): Promise<VmsApiServer> {
  const clock = options.clock ?? REAL_CLOCK;
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('limit is a whole number of requests, 1 or more');
  const chooseFault = faultChooser(options.faults, options.seed ?? 1);
  const credentials = options.credentials ?? [
    { accessKeyId: VMS_STAND_IN_ACCESS_KEY_ID, accessKeySecret: VMS_STAND_IN_ACCESS_KEY_SECRET },
  ];
  const player: CallPlayer | undefined =
    options.play === undefined ? undefined : await createCallPlayer(options.play, clock);
  const nextCallId = callIdsFor(newCallIdSeed());

  const requests: VmsApiRequest[] = [];
  const placed: PlacedCall[] = [];
  const played: PlayedCall[] = [];
  const unplayed: { callId: string; error: string }[] = [];
  const faults = Object.fromEntries(VMS_FAULTS.map((fault) => [fault, 0])) as Record<VmsFault, number>;
  const counts = { throttled: 0, refused: 0, duplicateOutIds: 0, peakPerSecond: 0 };
  const outIds = new Set<string>();
  /** The times of the requests taken in the last second, oldest first. */
  const taken: number[] = [];
  /** Nonces seen (as hashes), with the real time they were seen, oldest first. */
  const nonces = new Map<string, number>();
  const playing = new Set<Promise<void>>();

  const rememberNonce = (nonce: string, now: number): boolean => {
    for (const [seen, at] of nonces) {
      if (at > now - TIMESTAMP_WINDOW_MS && nonces.size < MAX_NONCES) break;
      nonces.delete(seen);
    }
    const key = createHash('sha256').update(nonce).digest('base64');
    if (nonces.has(key)) return false;
    nonces.set(key, now);
    return true;
  };

  /** Whether a signed request may go on now; it counts in the window if so. */
  const takeFromWindow = (now: number): boolean => {
    while (taken.length > 0 && (taken[0] as number) <= now - 1000) taken.shift();
    if (taken.length >= limit) return false;
    taken.push(now);
    counts.peakPerSecond = Math.max(counts.peakPerSecond, taken.length);
    return true;
  };

  /** Why a request's common parameters and signature are refused, if they are. */
  const checkCommon = (method: string, params: ReadonlyMap<string, string>): Refusal | undefined => {
    for (const name of REQUIRED_COMMON) if (!params.has(name)) return missing(name);
    if (params.get('Format')?.toUpperCase() !== 'JSON')
      return refusal(400, 'InvalidParameter.Format', 'Specified parameter format is not valid.');
    if (params.get('SignatureMethod') !== 'HMAC-SHA1')
      return refusal(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.');
    if (params.get('SignatureVersion') !== '1.0')
      return refusal(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards.',
      );
    const timestamp = params.get('Timestamp') ?? '';
    const signedAt = TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(signedAt))
      return refusal(
        400,
        'InvalidTimeStamp.Format',
        'Specified time stamp or date value is not well formatted.',
      );
    const key = credentials.find((credential) => credential.accessKeyId === params.get('AccessKeyId'));
    if (key === undefined)
      return refusal(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const token = params.get('SecurityToken');
    if (key.securityToken !== undefined && token === undefined)
      return refusal(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.');
    if (token !== undefined && (key.securityToken === undefined || !sameText(token, key.securityToken)))
      return refusal(
        400,
        'InvalidSecurityToken.MismatchWithAccessKey',
        'Specified SecurityToken mismatch with the AccessKey.',
      );
    const toSign = stringToSign(method, params);
    if (!signatureMatches(toSign, key.accessKeySecret, params.get('Signature') ?? ''))
      return refusal(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${toSign}`,
      );
    const now = Date.now();
    if (Math.abs(now - signedAt) > TIMESTAMP_WINDOW_MS)
      return refusal(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (!rememberNonce(params.get('SignatureNonce') ?? '', now))
      return refusal(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    if (params.get('Version') !== SMARTCALL_API.version)
      return refusal(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    if (params.get('Action') !== SMARTCALL_API.action)
      return refusal(
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
    return undefined;
  };

  const schedulePlay = (call: PlacedCall) => {
    if (player === undefined) return;
    const done = player.play(call).then(
      (result) => {
        played.push(result);
        options.onPlayed?.(result);
      },
      (error: unknown) => {
        unplayed.push({ callId: call.callId, error: error instanceof Error ? error.message : String(error) });
      },
    );
    playing.add(done);
    void done.finally(() => playing.delete(done));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? '';
    const body = await readBody(req, MAX_REQUEST_BYTES);
    const index = requests.length;
    const at = clock.now();
    const params = readParams(req, body.text);
    const action = params instanceof Map ? params.get('Action')?.slice(0, 64) : undefined;
    const outId = params instanceof Map ? params.get('OutId')?.slice(0, 64) : undefined;
    const record = (http: number, code: string | undefined, fault?: VmsFault, callId?: string) =>
      requests.push({ index, at, method, action, outId, code, http, fault, callId });
    const answer = (http: number, code: string, message: string, fault?: VmsFault, call?: PlacedCall) => {
      record(http, code, fault, call?.callId);
      const placedNow = code === 'OK' && call !== undefined ? { CallId: call.callId } : {};
      sendJson(res, http, {
        RequestId: randomUUID().toUpperCase(),
        Code: code,
        Message: message,
        ...placedNow,
      });
    };
    const refuse = (why: Refusal) => {
      counts.refused += 1;
      answer(why.http, why.code, why.message);
    };

    if (body.bytes > MAX_REQUEST_BYTES)
      return refuse(
        refusal(413, 'RequestEntityTooLarge', `The request body is over ${MAX_REQUEST_BYTES} bytes.`),
      );
    if (method !== 'GET' && method !== 'POST')
      return refuse(refusal(400, 'UnsupportedHTTPMethod', 'This http method not supported.'));
    if (new URL(req.url ?? '/', 'http://stand-in').pathname !== '/')
      return refuse(
        refusal(
          404,
          'InvalidAction.NotFound',
          'Specified api is not found, please check your url and method.',
        ),
      );
    if (!(params instanceof Map))
      return refuse(
        refusal(400, 'InvalidParameter', `The parameter "${params.twice.slice(0, 64)}" is given twice.`),
      );
    const common = checkCommon(method, params);
    if (common !== undefined) return refuse(common);
    if (!takeFromWindow(at)) {
      counts.throttled += 1;
      return answer(400, 'Throttling.User', 'Request was denied due to user flow control.');
    }
    const own = Object.fromEntries(
      [...params].filter(([name]) => !(COMMON_PARAMS as readonly string[]).includes(name)),
    );
    const wrong = checkSmartCall(own);
    if (wrong !== undefined) return refuse(wrong);

    const number = own.CalledNumber as string;
    const fault = chooseFault({ index, outId: own.OutId, number });
    if (fault !== undefined) faults[fault] += 1;
    if (fault === 'unavailable')
      return answer(
        503,
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
        fault,
      );
    if (fault === 'refuse') return answer(200, 'isv.BUSINESS_LIMIT_CONTROL', '触发号码天级流控', fault);
    const call: PlacedCall = {
      callId: nextCallId(),
      outId: own.OutId,
      dynamicId: own.DynamicId,
      number,
      showNumber: own.CalledShowNumber as string,
      voiceCode: own.VoiceCode as string,
      voiceCodeParam: own.VoiceCodeParam,
      at,
    };
    placed.push(call);
    if (call.outId !== undefined) {
      if (outIds.has(call.outId)) counts.duplicateOutIds += 1;
      else outIds.add(call.outId);
    }
    options.onPlaced?.(call, fault);
    switch (fault) {
      case 'internal':
        answer(
          500,
          'InternalError',
          'The request processing has failed due to some unknown error, exception or failure.',
          fault,
          call,
        );
        break;
      case 'hang':
        // Placed, and never answered: the connection stays open until the client gives up or close().
        record(0, undefined, fault, call.callId);
        break;
      case 'reset':
        record(0, undefined, fault, call.callId);
        sendBroken(res, 'reset');
        break;
      default:
        answer(200, 'OK', 'OK', undefined, call);
    }
    schedulePlay(call);
  };

  const http = await serveStandIn(handle, { port: options.port ?? 0 });
  let stopped: Promise<void> | undefined;
  return {
    url: http.origin,
    port: http.port,
    requests,
    placed,
    played,
    unplayed,
    get stats(): VmsApiStats {
      return { requests: requests.length, placed: placed.length, faults: { ...faults }, ...counts };
    },
    openSockets: () => http.openSockets(),
    drain: async () => {
      while (playing.size > 0) await Promise.all([...playing]);
    },
    close: () => {
      stopped ??= http.stop();
      return stopped;
    },
  };
}

/** Why SmartCall's own parameters are refused, if they are: the gateway's refusals first, then VMS's. */
function checkSmartCall(params: Readonly<Record<string, string>>): Refusal | undefined {
  for (const name of REQUIRED_SMARTCALL) if (params[name] === undefined) return missing(name);
  const problems = checkSmartCallParams(params).map((problem) => problem.slice(0, problem.indexOf(':')));
  const invalid = problems.find((name) => VMS_REFUSALS[name] === undefined);
  if (invalid !== undefined)
    return refusal(
      400,
      'InvalidParameter',
      `The specified parameter "${invalid.slice(0, 64)}" is not valid.`,
    );
  const [first] = problems;
  return first === undefined ? undefined : VMS_REFUSALS[first];
}

/** The fault of each request: the function's, or one drawn by the probabilities from a seeded generator. */
function faultChooser(
  faults: VmsApiServerOptions['faults'],
  seed: number,
): (request: VmsFaultRequest) => VmsFault | undefined {
  if (typeof faults === 'function') return faults;
  const odds = VMS_FAULTS.map((fault) => [fault, faults?.[fault] ?? 0] as const);
  for (const [fault, p] of odds)
    if (!(p >= 0 && p <= 1)) throw new RangeError(`the probability of ${fault} is from 0 to 1, not ${p}`);
  const total = odds.reduce((sum, [, p]) => sum + p, 0);
  if (total > 1 + 1e-9) throw new RangeError(`the faults' probabilities add up to ${total}, over 1`);
  const random = seededRandom(seed);
  return () => {
    let left = random();
    for (const [fault, p] of odds) {
      if (left < p) return fault;
      left -= p;
    }
    return undefined;
  };
}
