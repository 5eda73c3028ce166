/**
 * A small typed client for the Function Compute 3.0 API (`2023-03-30`), over `@alicloud/fc2`.
 *
 * fc2 speaks FC 2.0 (`2016-08-15`, services and functions) in its named methods, but its generic
 * `get`/`post` build the URL as `<endpoint>/<client.version><path>` and sign `/<version><path>` with FC's
 * `FC <AccessKeyID>:<signature>` scheme, which FC 3.0 accepts. So, like the official fc3 component, the
 * client is made with `client.version = '2023-03-30'` and called on FC 3.0's paths:
 *
 *   GET  /2023-03-30/functions/{name}               GetFunction
 *   GET  /2023-03-30/functions/{name}/triggers      ListTriggers (the HTTP trigger carries its URLs)
 *   POST /2023-03-30/functions/{name}/invocations   InvokeFunction (synchronous)
 *
 * Every reply is untrusted: checked against a schema, within a deadline, and turned into an
 * {@link FcApiError} naming FC's error code, message and request id.
 *
 * What an HTTP-triggered function receives when invoked through the API: InvokeFunction hands the
 * request body to the handler as its `event`, unchanged; the trigger is not involved. The functions
 * here are event handlers that expect the HTTP trigger's event (a JSON document with `rawPath`,
 * `headers`, `body`, `requestContext`…), so {@link invokeCallback} sends exactly that document as the
 * body — built with `buildFcEvent`/`formCallback` from `dev/fc-event.ts` — and reads back the
 * `{statusCode, headers, body}` object the handler returns, which FC relays as the invocation's
 * result. This is how the fc3 component's own HTTP event template (`s invoke --event-file`) works.
 * The secret gate still applies: put the secret in the event's path or `?token=`, as VMS would.
 *
 * For the simulator (`--fc <function>`):
 *
 *   const found = findFcCredentials(process.env);          // dev/fc-credentials.ts; check found.ok
 *   const client = createFcClient({ credentials: found.credentials, region: 'cn-hangzhou' });
 *   const result = await invokeCallback(client, 'vms-callflow-inbound', formCallback(params, { path }));
 *   // result: FcHttpResult — statusCode, headers, body (text), as the local bundles return it
 */
import { createRequire } from 'node:module';
import * as v from 'valibot';
import type { FcHttpResult } from '../shared/fc/http-trigger';

/** FC 3.0's API version: the path prefix fc2 puts before every call, and signs. */
export const FC3_API_VERSION = '2023-03-30';

/** Per request, for management calls (GetFunction, ListTriggers): FC answers these in well under a second. */
const DEFAULT_API_TIMEOUT_MS = 10_000;

/**
 * Per invocation: the functions' own timeout (10 s in s.yaml) plus a cold start and the way there and
 * back, so that a slow first call still comes back with FC's own answer rather than ours.
 */
const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;

/**
 * The largest reply parsed: management replies are a few KB, a callback reply far less. fc2 reads a reply
 * whole before handing it over (bounded in time by its timeout, not in size), and parses `application/json`
 * replies itself; this bound applies to every other reply, the invocation results among them.
 */
const MAX_REPLY_BYTES = 1024 * 1024;

/** Triggers pages followed at most (FC returns up to 100 triggers a page; a function has a handful). */
const MAX_TRIGGER_PAGES = 10;

/** FC function names: letters, digits, `_` and `-`, starting with a letter or `_`, 64 characters at most. */
export const FunctionNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'is not an FC function name (letters, digits, _ and -, ≤ 64)'),
);

/** Alibaba Cloud credentials, as an access alias or the environment gives them. */
export const FcCredentialsSchema = v.object({
  accountId: v.pipe(v.string(), v.regex(/^\d{1,32}$/, 'is not an Alibaba Cloud account id (digits)')),
  accessKeyId: v.pipe(v.string(), v.minLength(1, 'is empty')),
  accessKeySecret: v.pipe(v.string(), v.minLength(1, 'is empty')),
  securityToken: v.optional(v.string()),
});
export type FcCredentials = v.InferOutput<typeof FcCredentialsSchema>;

/** One trigger of ListTriggers; FC 3.0 gives `triggerConfig` as a JSON string. */
const FcTriggerSchema = v.looseObject({
  triggerName: v.string(),
  triggerType: v.string(),
  triggerConfig: v.optional(v.string()),
  httpTrigger: v.optional(
    v.looseObject({
      urlInternet: v.optional(v.pipe(v.string(), v.url())),
      urlIntranet: v.optional(v.pipe(v.string(), v.url())),
    }),
  ),
});
export type FcTrigger = v.InferOutput<typeof FcTriggerSchema>;

const ListTriggersOutputSchema = v.looseObject({
  triggers: v.optional(v.array(FcTriggerSchema), []),
  nextToken: v.optional(v.string()),
});

/** What GetFunction says that this project reads. */
const FcFunctionSchema = v.looseObject({
  functionName: v.string(),
  runtime: v.optional(v.string()),
  handler: v.optional(v.string()),
  state: v.optional(v.string()),
  lastUpdateStatus: v.optional(v.string()),
});
export type FcFunction = v.InferOutput<typeof FcFunctionSchema>;

/** What an FC 3.0 event handler returns for an HTTP trigger, as the invocation's result. */
const FcHttpReplySchema = v.object({
  statusCode: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
  headers: v.optional(v.record(v.string(), v.string()), {}),
  body: v.optional(v.string(), ''),
  isBase64Encoded: v.optional(v.boolean(), false),
});

/** What FC says when the function itself failed (the `x-fc-error-type` header is set). */
const FunctionErrorSchema = v.looseObject({
  errorMessage: v.optional(v.string()),
  errorType: v.optional(v.string()),
});

/** A failed FC API call: FC's error code (or what went wrong on the way), its message and request id. */
export class FcApiError extends Error {
  override readonly name = 'FcApiError';
  constructor(
    /** FC's `ErrorCode` (`SignatureNotMatch`, `FunctionNotFound`…), or `InvalidReply`, `Timeout`, `Network`. */
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** One line for a person: code, HTTP status, message, request id. */
  describe(): string {
    const status = this.status === undefined ? '' : ` (HTTP ${this.status})`;
    const id = this.requestId === undefined || this.requestId === '' ? '' : ` [request id ${this.requestId}]`;
    return `${this.code}${status}: ${this.message}${id}`;
  }
}

type Fc2Response = { headers: Record<string, string | string[] | undefined>; data: unknown };

/** The part of fc2's client used here (the package ships no types). */
type Fc2Client = {
  version: string;
  endpoint: string;
  get(
    path: string,
    query?: Record<string, string> | null,
    headers?: Record<string, string>,
  ): Promise<Fc2Response>;
  post(
    path: string,
    body: Buffer,
    headers?: Record<string, string>,
    queries?: Record<string, string> | null,
    opts?: { rawBuf?: boolean },
  ): Promise<Fc2Response>;
};

type Fc2Constructor = new (
  accountId: string,
  config: {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    endpoint?: string;
    secure: boolean;
    timeout: number;
  },
) => Fc2Client;

/** A client for one account and region. */
export type FcApiClient = {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiTimeoutMs: number;
  readonly invokeTimeoutMs: number;
  /** The fc2 clients, one per deadline (fc2 keeps its timeout on the client). */
  readonly api: Fc2Client;
  readonly invoker: Fc2Client;
};

export type FcClientOptions = {
  readonly credentials: FcCredentials;
  readonly region: string;
  /** `https://<accountId>.<region>.fc.aliyuncs.com` by default; a stand-in's `http://127.0.0.1:<port>` in tests. */
  readonly endpoint?: string | undefined;
  readonly apiTimeoutMs?: number | undefined;
  readonly invokeTimeoutMs?: number | undefined;
};

export const RegionSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z]{2,}(-[a-z0-9]+){1,3}$/, 'is not a region id such as cn-hangzhou'),
);

/** Makes a client; throws a TypeError naming what is wrong with the options. */
export function createFcClient(options: FcClientOptions): FcApiClient {
  const credentials = v.parse(FcCredentialsSchema, options.credentials);
  const region = v.parse(RegionSchema, options.region);
  if (options.endpoint !== undefined && !/^https?:\/\/[^/?#]+$/.test(options.endpoint)) {
    throw new TypeError(`endpoint ${options.endpoint} is not http(s)://host[:port] without a path`);
  }
  const FC = createRequire(import.meta.filename)('@alicloud/fc2') as Fc2Constructor;
  const make = (timeout: number): Fc2Client => {
    const client = new FC(credentials.accountId, {
      accessKeyID: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
      region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      // fc2 defaults to plain http for its own endpoint; FC's API is served over https.
      secure: true,
      timeout,
    });
    client.version = FC3_API_VERSION;
    return client;
  };
  const apiTimeoutMs = options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  const invokeTimeoutMs = options.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
  const api = make(apiTimeoutMs);
  return {
    endpoint: api.endpoint,
    region,
    accountId: credentials.accountId,
    apiTimeoutMs,
    invokeTimeoutMs,
    api,
    invoker: make(invokeTimeoutMs),
  };
}

/** fc2's message for an error reply: `GET /path failed with 403. requestid: X, message: Y.` */
const FC2_FAILURE = /failed with (\d{3})\. requestid: ([^,]*), message: ([\s\S]*)\.$/;

/** Turns whatever fc2 threw into an {@link FcApiError}. */
function toFcApiError(error: unknown, what: string): FcApiError {
  if (error instanceof FcApiError) return error;
  if (error instanceof SyntaxError) {
    return new FcApiError('InvalidReply', `${what}: the reply is not valid JSON (${error.message})`);
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  const code = (failure as { code?: unknown }).code;
  const match = FC2_FAILURE.exec(failure.message);
  if (match !== null) {
    const requestId = match[2] === 'undefined' ? undefined : match[2];
    const message = match[3] === 'undefined' ? 'no error message in the reply' : (match[3] ?? '');
    return new FcApiError(
      typeof code === 'string' ? code : 'UnknownError',
      `${what}: ${message}`,
      Number(match[1]),
      requestId,
    );
  }
  if (failure.name === 'RequestTimeoutError' || /timeout/i.test(failure.message)) {
    return new FcApiError('Timeout', `${what}: no reply in time (${failure.message})`);
  }
  // httpx appends `<METHOD> <url> failed.` to the socket's message, without a space.
  const message = failure.message.replace(/(GET|POST|PUT|DELETE) \S+ failed\.$/, '').trim();
  return new FcApiError(
    typeof code === 'string' ? code : 'Network',
    `${what}: cannot reach the FC API (${message.slice(0, 300)})`,
  );
}

/** Runs an fc2 call with a deadline of its own (fc2's timeout is per socket phase; this bounds the whole). */
async function callFc<T>(what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FcApiError('Timeout', `${what}: no reply within ${timeoutMs} ms`)),
      timeoutMs + 1000,
    );
    timer.unref();
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    throw toFcApiError(error, what);
  } finally {
    clearTimeout(timer);
  }
}

function headerOf(headers: Fc2Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** A reply's JSON: fc2 parses `application/json` replies itself; anything else arrives as text or bytes. */
function readJson(data: unknown, what: string, requestId: string | undefined): unknown {
  if (typeof data !== 'string' && !Buffer.isBuffer(data)) return data;
  const size = Buffer.isBuffer(data) ? data.length : Buffer.byteLength(data);
  if (size > MAX_REPLY_BYTES) {
    throw new FcApiError(
      'InvalidReply',
      `${what}: the reply is larger than ${MAX_REPLY_BYTES} bytes`,
      undefined,
      requestId,
    );
  }
  try {
    return JSON.parse(data.toString());
  } catch {
    throw new FcApiError('InvalidReply', `${what}: the reply is not JSON`, undefined, requestId);
  }
}

function parseReply<S extends v.GenericSchema>(
  schema: S,
  data: unknown,
  what: string,
  requestId: string | undefined,
): v.InferOutput<S> {
  const parsed = v.safeParse(schema, readJson(data, what, requestId));
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
  throw new FcApiError(
    'InvalidReply',
    `${what}: unexpected reply${path === '' ? '' : ` at ${path}`}: ${issue?.message ?? 'invalid'}`,
    undefined,
    requestId,
  );
}

function functionPath(name: string): string {
  return `/functions/${v.parse(FunctionNameSchema, name)}`;
}

/** GetFunction: the function's configuration, or FunctionNotFound. */
export async function getFunction(client: FcApiClient, name: string): Promise<FcFunction> {
  const what = `GetFunction ${name}`;
  const reply = await callFc(what, client.apiTimeoutMs, () => client.api.get(functionPath(name)));
  return parseReply(FcFunctionSchema, reply.data, what, headerOf(reply.headers, 'x-fc-request-id'));
}

/** ListTriggers: every trigger of a function, following `nextToken` for a few pages. */
export async function listTriggers(client: FcApiClient, name: string): Promise<FcTrigger[]> {
  const what = `ListTriggers ${name}`;
  const triggers: FcTrigger[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TRIGGER_PAGES; page += 1) {
    const query: Record<string, string> = nextToken === undefined ? {} : { nextToken };
    const reply = await callFc(what, client.apiTimeoutMs, () =>
      client.api.get(`${functionPath(name)}/triggers`, query),
    );
    const output = parseReply(
      ListTriggersOutputSchema,
      reply.data,
      what,
      headerOf(reply.headers, 'x-fc-request-id'),
    );
    triggers.push(...output.triggers);
    nextToken = output.nextToken === '' ? undefined : output.nextToken;
    if (nextToken === undefined) return triggers;
  }
  return triggers;
}

/** The public URL of a function's HTTP trigger, if it has one. */
export function findHttpTriggerUrl(triggers: readonly FcTrigger[]): string | undefined {
  return triggers.find((trigger) => trigger.triggerType === 'http')?.httpTrigger?.urlInternet;
}

/** What InvokeFunction returned: the function's result as bytes, and FC's request id. */
export type FcInvocation = { readonly payload: Buffer; readonly requestId: string | undefined };

/**
 * InvokeFunction, synchronously: `payload` becomes the handler's `event` as it is. A function that threw
 * (FC sets `x-fc-error-type`) is an {@link FcApiError} with code `FunctionError`.
 */
export async function invokeFunction(
  client: FcApiClient,
  name: string,
  payload: Buffer,
): Promise<FcInvocation> {
  const what = `InvokeFunction ${name}`;
  const reply = await callFc(what, client.invokeTimeoutMs, () =>
    client.invoker.post(
      `${functionPath(name)}/invocations`,
      payload,
      { 'x-fc-invocation-type': 'Sync', 'x-fc-log-type': 'None' },
      null,
      { rawBuf: true },
    ),
  );
  const requestId = headerOf(reply.headers, 'x-fc-request-id');
  const errorType = headerOf(reply.headers, 'x-fc-error-type');
  if (errorType !== undefined) {
    const parsed = v.safeParse(FunctionErrorSchema, safeJson(reply.data));
    const detail = parsed.success ? (parsed.output.errorMessage ?? parsed.output.errorType ?? '') : '';
    throw new FcApiError(
      'FunctionError',
      `${what}: the function failed (${errorType}) ${detail}`.trim(),
      undefined,
      requestId,
    );
  }
  const data = reply.data;
  const payloadOut = Buffer.isBuffer(data)
    ? data
    : Buffer.from(typeof data === 'string' ? data : (JSON.stringify(data) ?? ''));
  return { payload: payloadOut, requestId };
}

function safeJson(data: unknown): unknown {
  try {
    return readJson(data, '', undefined);
  } catch {
    return undefined;
  }
}

/**
 * Invokes an HTTP-triggered event function with an HTTP trigger event (see the top of this file) and
 * returns its HTTP result, body decoded to text, exactly as a locally loaded bundle's handler would.
 * Throws an {@link FcApiError} when FC refuses the call, the function fails, or the result is not an
 * HTTP result.
 */
export async function invokeCallback(
  client: FcApiClient,
  functionName: string,
  fcEvent: Buffer,
): Promise<FcHttpResult> {
  const { payload, requestId } = await invokeFunction(client, functionName, fcEvent);
  const reply = parseReply(FcHttpReplySchema, payload, `InvokeFunction ${functionName}`, requestId);
  return {
    statusCode: reply.statusCode,
    headers: reply.headers,
    body: reply.isBase64Encoded ? Buffer.from(reply.body, 'base64').toString('utf8') : reply.body,
    isBase64Encoded: false,
  };
}
