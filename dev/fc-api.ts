/**
 * A small typed client for the Function Compute 3.0 API (`2023-03-30`), signed by `@alicloud/fc2`.
 *
 * fc2 speaks FC 2.0 (`2016-08-15`, services and functions) in its named methods, but its request headers
 * (`buildHeaders`) and its signature (`Client.getSignature`, FC's `FC <AccessKeyID>:<signature>` over
 * `/<version><path>`) are FC 3.0's too. So, like the official fc3 component, fc2's client is made with
 * `client.version = '2023-03-30'`, and each request to FC 3.0's paths is built and signed by it:
 *
 *   GET  /2023-03-30/functions/{name}               GetFunction
 *   GET  /2023-03-30/functions/{name}/triggers      ListTriggers (the HTTP trigger carries its URLs)
 *   POST /2023-03-30/functions/{name}/invocations   InvokeFunction (synchronous)
 *
 * The exchange itself is this module's (node's http/https): fc2's own reads a reply whole, gunzipped and
 * unbounded in size, and leaves the socket open when its timeout fires. Every reply is untrusted: read
 * uncompressed and bounded in bytes as it arrives, within a deadline that closes the connection, checked
 * against a schema, and turned into an {@link FcApiError} naming FC's error code, message and request id.
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
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
 * The largest reply read: management replies are a few KB, a callback reply far less. Counted as the
 * bytes arrive; the connection is cut at the first byte over.
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

/**
 * The part of fc2's client used here (the package ships no types): its request headers (`buildHeaders`:
 * date, host, account id, STS token) and its signature (`Client.getSignature`). fc2 also sends requests
 * (`client.request`, over httpx), but reads every reply whole, gunzipped, bounded in time but not in size,
 * and leaves the socket open when its timeout fires; so the exchange itself is {@link exchange}'s.
 */
type Fc2Client = {
  version: string;
  endpoint: string;
  accessKeyID: string;
  accessKeySecret: string;
  buildHeaders(): Record<string, string>;
};

type Fc2Constructor = {
  new (
    accountId: string,
    config: {
      accessKeyID: string;
      accessKeySecret: string;
      securityToken?: string;
      region: string;
      endpoint?: string;
      secure: boolean;
    },
  ): Fc2Client;
  getSignature(
    accessKeyId: string,
    accessKeySecret: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    queries: null,
  ): string;
};

/** A client for one account and region. */
export type FcApiClient = {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiTimeoutMs: number;
  readonly invokeTimeoutMs: number;
  /** fc2's client: builds and signs each request's headers. */
  readonly signer: Fc2Client;
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

const Fc2 = createRequire(import.meta.filename)('@alicloud/fc2') as Fc2Constructor;

/** Makes a client; throws a TypeError naming what is wrong with the options. */
export function createFcClient(options: FcClientOptions): FcApiClient {
  const credentials = v.parse(FcCredentialsSchema, options.credentials);
  const region = v.parse(RegionSchema, options.region);
  if (options.endpoint !== undefined && !/^https?:\/\/[^/?#]+$/.test(options.endpoint)) {
    throw new TypeError(`endpoint ${options.endpoint} is not http(s)://host[:port] without a path`);
  }
  const signer = new Fc2(credentials.accountId, {
    accessKeyID: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
    region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    // fc2 defaults to plain http for its own endpoint; FC's API is served over https.
    secure: true,
  });
  signer.version = FC3_API_VERSION;
  return {
    endpoint: signer.endpoint,
    region,
    accountId: credentials.accountId,
    apiTimeoutMs: options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    invokeTimeoutMs: options.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS,
    signer,
  };
}

/** What FC said, as bytes read within the limits. */
type Reply = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly requestId: string | undefined;
};

type Exchange = {
  readonly method: 'GET' | 'POST';
  /** The path after the API version, query included (`/functions/f/triggers?nextToken=…`). */
  readonly path: string;
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
};

/** Text from a reply, for a person: control characters (a terminal's escapes among them) become spaces. */
export function printable(text: string, max = 500): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function headerOf(headers: Reply['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * One request to the FC API: headers built and signed by fc2, sent with node's http(s) on a connection of
 * its own (no keep-alive), asking for an uncompressed reply and refusing a compressed one, reading at most
 * {@link MAX_REPLY_BYTES} as they arrive, all within `timeoutMs`. Whatever ends the exchange — the reply, a
 * limit, the deadline — destroys the socket: nothing is left open behind a settled promise.
 */
function exchange(client: FcApiClient, what: string, request: Exchange): Promise<Reply> {
  const { signer } = client;
  const url = `${signer.endpoint}/${signer.version}${request.path}`;
  const pathOnly = request.path.split('?')[0] ?? request.path;
  const headers: Record<string, string> = {
    ...signer.buildHeaders(),
    ...request.headers,
    'accept-encoding': 'identity',
  };
  const body = request.body;
  if (body !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(body.length);
    // As fc2 sends it (and FC checks it): base64 of the hex MD5 digest.
    headers['content-md5'] = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
  }
  headers.authorization = Fc2.getSignature(
    signer.accessKeyID,
    signer.accessKeySecret,
    request.method,
    `/${signer.version}${pathOnly}`,
    headers,
    null,
  );
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { reply: Reply } | { error: FcApiError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Also after a whole reply: the connection is this request's alone.
      req.destroy();
      if ('reply' in outcome) resolve(outcome.reply);
      else reject(outcome.error);
    };
    const req = send(url, { method: request.method, headers, agent: false });
    const timer = setTimeout(
      () => finish({ error: new FcApiError('Timeout', `${what}: no reply within ${request.timeoutMs} ms`) }),
      request.timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        error: new FcApiError(
          typeof error.code === 'string' ? error.code : 'Network',
          `${what}: cannot reach the FC API (${printable(error.message, 300)})`,
        ),
      });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const requestId = headerOf(res.headers, 'x-fc-request-id');
      const invalid = (message: string) =>
        finish({ error: new FcApiError('InvalidReply', `${what}: ${message}`, status, requestId) });
      const encoding = res.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        invalid(
          `the reply is compressed (${printable(encoding, 40)}), though an uncompressed one was asked for`,
        );
        return;
      }
      const tooLarge = `the reply is larger than ${MAX_REPLY_BYTES} bytes`;
      if (Number(res.headers['content-length']) > MAX_REPLY_BYTES) {
        invalid(tooLarge);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) invalid(tooLarge);
        else chunks.push(chunk);
      });
      res.on('end', () =>
        finish({ reply: { status, headers: res.headers, body: Buffer.concat(chunks), requestId } }),
      );
      res.on('error', (error) => invalid(`the reply broke off (${printable(error.message, 200)})`));
      res.on('close', () => invalid('the connection closed before the reply ended'));
    });
    req.end(body);
  });
}

/** FC's error document: `{"ErrorCode": …, "ErrorMessage": …}`. */
const FcErrorSchema = v.looseObject({
  ErrorCode: v.optional(v.string()),
  ErrorMessage: v.optional(v.string()),
  errorMessage: v.optional(v.string()),
});

/** Sends a request; a reply outside 2xx is an {@link FcApiError} with FC's code and message. */
async function callFc(client: FcApiClient, what: string, request: Exchange): Promise<Reply> {
  const reply = await exchange(client, what, request);
  if (reply.status >= 200 && reply.status < 300) return reply;
  const parsed = v.safeParse(FcErrorSchema, safeJson(reply.body));
  const code = parsed.success ? parsed.output.ErrorCode : undefined;
  const message = parsed.success ? (parsed.output.ErrorMessage ?? parsed.output.errorMessage) : undefined;
  throw new FcApiError(
    code === undefined ? 'UnknownError' : printable(code, 100),
    `${what}: ${message === undefined ? 'no error message in the reply' : printable(message)}`,
    reply.status,
    reply.requestId === undefined ? undefined : printable(reply.requestId, 100),
  );
}

/** A reply's JSON, or an {@link FcApiError} saying it is not JSON. */
function readJson(data: Buffer, what: string, requestId: string | undefined): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw new FcApiError('InvalidReply', `${what}: the reply is not JSON`, undefined, requestId);
  }
}

function safeJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseReply<S extends v.GenericSchema>(
  schema: S,
  data: Buffer,
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
  const reply = await callFc(client, what, {
    method: 'GET',
    path: functionPath(name),
    timeoutMs: client.apiTimeoutMs,
  });
  return parseReply(FcFunctionSchema, reply.body, what, reply.requestId);
}

/** ListTriggers: every trigger of a function, following `nextToken` for a few pages. */
export async function listTriggers(client: FcApiClient, name: string): Promise<FcTrigger[]> {
  const what = `ListTriggers ${name}`;
  const triggers: FcTrigger[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TRIGGER_PAGES; page += 1) {
    const query = nextToken === undefined ? '' : `?${new URLSearchParams({ nextToken })}`;
    const reply = await callFc(client, what, {
      method: 'GET',
      path: `${functionPath(name)}/triggers${query}`,
      timeoutMs: client.apiTimeoutMs,
    });
    const output = parseReply(ListTriggersOutputSchema, reply.body, what, reply.requestId);
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
  const reply = await callFc(client, what, {
    method: 'POST',
    path: `${functionPath(name)}/invocations`,
    body: payload,
    headers: { 'x-fc-invocation-type': 'Sync', 'x-fc-log-type': 'None' },
    timeoutMs: client.invokeTimeoutMs,
  });
  const errorType = headerOf(reply.headers, 'x-fc-error-type');
  if (errorType !== undefined) {
    const parsed = v.safeParse(FunctionErrorSchema, safeJson(reply.body));
    const detail = parsed.success ? (parsed.output.errorMessage ?? parsed.output.errorType ?? '') : '';
    throw new FcApiError(
      'FunctionError',
      `${what}: the function failed (${printable(errorType, 100)}) ${printable(detail)}`.trim(),
      undefined,
      reply.requestId,
    );
  }
  return { payload: reply.body, requestId: reply.requestId };
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
