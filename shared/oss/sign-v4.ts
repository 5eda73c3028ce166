/**
 * OSS V4 request signing (`OSS4-HMAC-SHA256`), written from Alibaba Cloud's description of the
 * algorithm: a canonical request, a string to sign scoped to a day, region and product, and a signing
 * key derived from the secret by an HMAC-SHA256 chain. The payload is not hashed (`UNSIGNED-PAYLOAD`);
 * no additional headers are signed. `test/oss/sign-v4.test.ts` checks it against ali-oss's own signer.
 */
import { createHash, createHmac } from 'node:crypto';
import { encodeObjectPath, encodeRfc3986 } from './oss-address';

/** An AccessKey pair, with the STS token of temporary credentials (a function's role). */
export type OssCredentials = {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string | undefined;
};

export type OssRequestToSign = {
  readonly method: string;
  readonly bucket: string;
  /** The object key; empty for a bucket-level request. */
  readonly key: string;
  /** Query parameters; `undefined` values are signed as a bare name (`?versions`). */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Headers already on the request (`content-type`, `content-md5`, `x-oss-*` are signed). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Region id without `oss-`, such as `cn-hangzhou`. */
  readonly region: string;
  readonly credentials: OssCredentials;
  /** When the request is signed: OSS refuses a date more than 15 minutes off its own clock. */
  readonly date: Date;
};

const ALGORITHM = 'OSS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** `20261130T130455Z` */
function formatDateTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * The headers to send with the request: the given ones plus `x-oss-date`, `x-oss-content-sha256`, the
 * security token when there is one, and `authorization`. Names are lower-case.
 */
export function signOssRequest(request: OssRequestToSign): Record<string, string> {
  const dateTime = formatDateTime(request.date);
  const day = dateTime.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['x-oss-date'] = dateTime;
  headers['x-oss-content-sha256'] = UNSIGNED_PAYLOAD;
  if (request.credentials.securityToken !== undefined) {
    headers['x-oss-security-token'] = request.credentials.securityToken;
  }
  const signed = Object.keys(headers)
    .filter((name) => name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-'))
    .sort();
  const query = Object.entries(request.query ?? {})
    .map(([name, value]) => [encodeRfc3986(name), value === undefined ? undefined : encodeRfc3986(value)])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === undefined ? name : `${name}=${value}`))
    .join('&');
  const path = request.bucket === '' ? '/' : `/${request.bucket}/${encodeObjectPath(request.key)}`;
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    query,
    signed.map((name) => `${name}:${(headers[name] ?? '').trim()}\n`).join(''),
    '',
    UNSIGNED_PAYLOAD,
  ].join('\n');
  const scope = `${day}/${request.region}/oss/aliyun_v4_request`;
  const stringToSign = [
    ALGORITHM,
    dateTime,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const key = ['oss', 'aliyun_v4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(`aliyun_v4${request.credentials.accessKeySecret}`, day), request.region),
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${request.credentials.accessKeyId}/${scope},Signature=${signature}`;
  return headers;
}
