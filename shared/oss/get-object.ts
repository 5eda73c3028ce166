/**
 * A minimal OSS GetObject client for the functions: one signed GET (V4) with `If-None-Match`, a
 * deadline, and a size bound enforced before and while reading. Built on its own as
 * `dist/<function>/oss-client.js` and loaded only when `RULES_URL` is set, so a function without OSS
 * loads none of it (nor `node:https`).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAwake } from '../clock/awake-clock';
import { type OssAddress, objectUrl } from './oss-address';
import { type OssCredentials, signOssRequest } from './sign-v4';

export type GetObjectRequest = {
  /** `https://oss-cn-hangzhou-internal.aliyuncs.com`, or a local server's `http://127.0.0.1:9300`. */
  readonly endpoint: string;
  readonly address: OssAddress;
  readonly region: string;
  readonly credentials: OssCredentials;
  /** The ETag of the copy held: an unchanged object answers 304 and downloads nothing. */
  readonly ifNoneMatch?: string | undefined;
  /** A larger object is refused, by its Content-Length before reading, or as soon as more arrives. */
  readonly maxBytes: number;
  /** The whole exchange, connection to last byte, ms the process is awake (a freeze does not count). */
  readonly timeoutMs: number;
  readonly now: () => number;
};

export type GetObjectResult =
  | { readonly status: 'unchanged' }
  | { readonly status: 'ok'; readonly text: string; readonly etag: string | undefined };

/** Why an object could not be read: `code` is OSS's error code, or one of this client's own. */
export class OssError extends Error {
  override readonly name = 'OssError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** The largest error body read, bytes: OSS's XML errors are a few hundred bytes. */
const MAX_ERROR_BYTES = 16 * 1024;

/** Reads the object; rejects with an {@link OssError} (never anything else) when it cannot. */
export function getObject(request: GetObjectRequest): Promise<GetObjectResult> {
  const url = objectUrl(request.endpoint, request.address);
  const headers = signOssRequest({
    method: 'GET',
    bucket: request.address.bucket,
    key: request.address.key,
    region: request.region,
    credentials: request.credentials,
    date: new Date(request.now()),
    ...(request.ifNoneMatch === undefined ? {} : { headers: { 'if-none-match': request.ifNoneMatch } }),
  });
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<GetObjectResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: OssError | undefined, result?: GetObjectResult) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      if (error !== undefined) {
        outgoing.destroy();
        reject(error);
      } else if (result !== undefined) resolve(result);
    };
    // A connection of its own (no keep-alive pool): one request every check interval gains nothing from
    // reuse, and a pooled socket the server closed while idle would fail the request ("socket hang up").
    const outgoing = send(url, {
      method: 'GET',
      agent: false,
      headers: { ...headers, 'accept-encoding': 'identity' },
    });
    // Measured awake: FC freezes an instance between requests, and a read started by one callback goes
    // on while later ones run; the time it spends frozen is not time it took.
    const deadline = afterAwake(request.timeoutMs, () =>
      finish(new OssError('Timeout', `no complete answer within ${request.timeoutMs} ms awake`)),
    );
    outgoing.on('error', (error) => finish(new OssError('NetworkError', error.message)));
    outgoing.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const requestId = headerOf(response, 'x-oss-request-id');
      if (status === 304) {
        response.resume();
        finish(undefined, { status: 'unchanged' });
        return;
      }
      const limit = status === 200 ? request.maxBytes : MAX_ERROR_BYTES;
      const declared = Number(headerOf(response, 'content-length') ?? Number.NaN);
      if (status === 200 && declared > limit) {
        finish(tooLarge(request.maxBytes, requestId));
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > limit) {
          if (status === 200) finish(tooLarge(request.maxBytes, requestId));
          else finish(describeError(status, Buffer.concat(chunks).toString('utf8'), requestId));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => finish(new OssError('NetworkError', error.message, status, requestId)));
      response.on('aborted', () =>
        finish(new OssError('NetworkError', 'the answer was cut off', status, requestId)),
      );
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        if (status !== 200) {
          finish(describeError(status, body.toString('utf8'), requestId));
        } else if (Number.isFinite(declared) && declared !== body.length) {
          finish(
            new OssError(
              'NetworkError',
              `the answer was cut off at ${body.length} of ${declared} bytes`,
              status,
              requestId,
            ),
          );
        } else {
          finish(undefined, { status: 'ok', text: body.toString('utf8'), etag: headerOf(response, 'etag') });
        }
      });
    });
    outgoing.end();
  });
}

function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function tooLarge(maxBytes: number, requestId: string | undefined): OssError {
  return new OssError(
    'TooLarge',
    `the object is larger than RULES_MAX_BYTES (${maxBytes} bytes)`,
    200,
    requestId,
  );
}

/** OSS's XML error (`<Code>`, `<Message>`), or the status alone when the body is something else. */
function describeError(status: number, body: string, requestId: string | undefined): OssError {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(body)?.[1];
  return new OssError(
    code ?? `HTTP${status}`,
    message ?? `OSS answered HTTP ${status} without an OSS error body`,
    status,
    requestId ?? /<RequestId>([^<]{1,100})<\/RequestId>/.exec(body)?.[1],
  );
}
