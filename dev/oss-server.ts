/**
 * A local server speaking the OSS object API (GetObject, HeadObject, PutObject, CopyObject, DeleteObject,
 * ListObjects and ListObjectsV2) on 127.0.0.1, for tests and for a try-out without an Alibaba Cloud
 * account. Objects live in memory.
 *
 * Every request's V4 signature is recomputed from the request as received, with `ali-oss`'s own signing
 * functions (`ali-oss/lib/common/signUtils.js`): a client with its own signer is checked against an
 * implementation it does not share. V1 signatures are refused, as OSS refuses them for new buckets.
 *
 * Faults (`setFault`) make GET and HEAD of one object slow, hang, truncated, garbage or an OSS error, so
 * that a reader's deadlines and fallbacks can be tested.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';

/** A fault GET and HEAD of one object show instead of the normal answer. */
export type OssFault =
  /** Answer normally after `ms` milliseconds. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** Accept the request and never answer (until the server closes). */
  | { readonly kind: 'hang' }
  /** Send the headers with the full Content-Length, half the body, then destroy the socket. */
  | { readonly kind: 'truncate' }
  /** Answer 200 with a body that is not the object (an HTML error page, as a proxy might send). */
  | { readonly kind: 'garbage' }
  /** Answer an OSS XML error with this status and code. */
  | { readonly kind: 'error'; readonly status: number; readonly code: string };

/**
 * One request as the server saw it. `status` is 0 while no answer was sent (a hanging request, or one
 * still waiting); `signed` is `v4` for a valid V4 signature, `none` without any, `bad` for any other.
 */
export type OssRequestRecord = {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  readonly signed: 'v4' | 'none' | 'bad';
};

/** An object as stored. */
export type OssObject = {
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: Date;
  /** `x-oss-meta-*` headers given at upload, lower-case names with the prefix. */
  readonly meta: Readonly<Record<string, string>>;
};

export type OssServer = {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The V4 scope region, without `oss-` (e.g. `cn-hangzhou`). */
  readonly region: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** When set, every request must carry `x-oss-security-token` equal to it (and none otherwise). */
  readonly securityToken: string | undefined;
  /** Stores an object as PutObject would; returns its ETag, quoted like OSS's. */
  putObject(bucket: string, key: string, body: string | Buffer, contentType?: string): string;
  getObject(bucket: string, key: string): OssObject | undefined;
  /** Sets (or, with `undefined`, clears) the fault GET and HEAD of this object show. */
  setFault(bucket: string, key: string, fault: OssFault | undefined): void;
  /**
   * The requests, in the order they arrived: every one, up to the last {@link MAX_RECORDED_REQUESTS}
   * (a long-running `npm run oss:local` forgets the oldest).
   */
  readonly requests: readonly OssRequestRecord[];
  /** Stops listening and closes every connection, hanging ones included. */
  close(): Promise<void>;
};

export type OssServerOptions = {
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly accessKeySecret?: string;
  readonly securityToken?: string;
  readonly buckets?: readonly string[];
  /** Request bodies larger than this are refused with 413 `EntityTooLarge`. */
  readonly maxBodyBytes?: number;
};

/** OSS's own limit for one PutObject is 5 GB; a rules document needs far less. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** The requests the server remembers for `requests`; tests see far fewer. */
export const MAX_RECORDED_REQUESTS = 100_000;

/** OSS refuses a request whose `x-oss-date` is more than 15 minutes from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** OSS caps a listing page at 1000 keys and defaults to 100. */
const MAX_LIST_KEYS = 1000;
const DEFAULT_LIST_KEYS = 100;
/** OSS object names are at most 1023 bytes. */
const MAX_KEY_BYTES = 1023;
const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const OWNER_ID = '1234567890123456';
/** Query parameters an object request may carry without naming a sub-resource this server lacks. */
const OBJECT_QUERY_ALLOWED = new Set([
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);
/** Query parameters of a presigned V4 URL. */
const PRESIGN_PARAMS = [
  'x-oss-signature-version',
  'x-oss-credential',
  'x-oss-date',
  'x-oss-expires',
  'x-oss-signature',
  'x-oss-additional-headers',
  'x-oss-security-token',
] as const;
const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 3600;

/**
 * The `x-oss-ec` values of the errors this server sends. They are this stand-in's own, shaped like
 * OSS's (`<4 digits>-<8 digits>`); clients must read `Code`, not the EC.
 */
const ERROR_EC: Readonly<Record<string, string>> = {
  AccessDenied: '0002-00000001',
  InvalidAccessKeyId: '0002-00000002',
  SignatureDoesNotMatch: '0002-00000003',
  RequestTimeTooSkewed: '0002-00000004',
  InvalidSecurityToken: '0002-00000005',
  NoSuchBucket: '0015-00000101',
  NoSuchKey: '0026-00000001',
  FileAlreadyExists: '0026-00000002',
  EntityTooLarge: '0026-00000003',
  InvalidDigest: '0026-00000004',
  PreconditionFailed: '0026-00000005',
  InvalidArgument: '0017-00000001',
  InvalidURI: '0017-00000002',
  KeyTooLong: '0017-00000003',
  NotImplemented: '0000-00000001',
};

type SignUtils = {
  getCanonicalRequest(
    method: string,
    request: { headers: Record<string, string>; queries: Record<string, string | null> },
    bucketName: string,
    objectName: string,
    additionalHeaders?: string[],
  ): string;
  getStringToSign(region: string, date: string, canonicalRequest: string): string;
  getSignatureV4(accessKeySecret: string, date: string, region: string, stringToSign: string): string;
};

/** ali-oss's V4 signing functions (untyped JavaScript; the shape above is what this file calls). */
const signUtils = createRequire(import.meta.filename)('ali-oss/lib/common/signUtils.js') as SignUtils;

/** An answer before it is sent: HEAD sends the same headers without the body. */
type Reply = { status: number; headers: Record<string, string>; body: Buffer };

type MutableRecord = { -readonly [K in keyof OssRequestRecord]: OssRequestRecord[K] };

/** What a request asks for, once its bucket and key are known. */
type Target = { bucket: string; key: string };

/** An error OSS would answer with; thrown inside the server only. */
class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** OSS's ETag for a simple upload: the upper-case hex MD5 of the body, in quotes. */
export function computeEtag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function xmlElements(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
}

function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/** `20250102T030405Z` → the time, or undefined when the text is not that shape. */
function parseV4Date(text: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, ...number[]];
  const time = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** Request headers as the signer reads them: lower-case names, repeated values joined by commas. */
function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/**
 * The query as OSS canonicalises it: a parameter without a value (`?acl`, or `?acl=` as ali-oss sends
 * sub-resources) is signed as the bare name.
 */
function parseQuery(search: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.set(decodeComponent(name.replace(/\+/g, ' ')), decodeComponent(value.replace(/\+/g, ' ')));
  }
  return out;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new OssError(400, 'InvalidURI', 'The request URI is not valid percent-encoding.');
  }
}

/** Splits the request into bucket and key: path-style when the Host is an IP or localhost, else virtual-hosted. */
function findTarget(req: IncomingMessage, pathname: string): Target {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const path = decodeComponent(pathname);
  if (host === '' || host === 'localhost' || isIP(host) !== 0) {
    const rest = path.replace(/^\//, '');
    const slash = rest.indexOf('/');
    return slash < 0
      ? { bucket: rest, key: '' }
      : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }
  return { bucket: host.split('.')[0] ?? '', key: path.replace(/^\//, '') };
}

type Credentials = {
  readonly region: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string | undefined;
};

/** What a V4 signature claims: from the Authorization header, or from a presigned URL's query. */
type SignatureClaim = {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly scopeRegion: string;
  readonly scopeProduct: string;
  readonly additionalHeaders: string[];
  readonly signature: string;
  readonly date: string | undefined;
  readonly securityToken: string | undefined;
  /** The query the signature covers (a presigned URL's own signature excluded). */
  readonly queries: Record<string, string | null>;
  readonly expiresAt: Date | undefined;
};

function splitCredential(
  credential: string,
): Omit<
  SignatureClaim,
  'additionalHeaders' | 'signature' | 'date' | 'securityToken' | 'queries' | 'expiresAt'
> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aliyun_v4_request')
    throw new OssError(
      403,
      'AccessDenied',
      'The V4 credential is not <AccessKeyId>/<date>/<region>/oss/aliyun_v4_request.',
    );
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', scopeProduct = ''] = parts;
  return { accessKeyId, scopeDate, scopeRegion, scopeProduct };
}

function signedQueries(query: Map<string, string>, skip: ReadonlySet<string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, value] of query) if (!skip.has(name)) out[name] = value === '' ? null : value;
  return out;
}

/** Reads the signature a request claims, or throws the error OSS gives for a missing or foreign one. */
function readClaim(headers: Record<string, string>, query: Map<string, string>): SignatureClaim {
  const authorization = headers.authorization;
  if (authorization === undefined && query.get('x-oss-signature-version') === V4_ALGORITHM) {
    const expires = Number(query.get('x-oss-expires'));
    const date = query.get('x-oss-date');
    const signedAt = parseV4Date(date);
    if (
      !Number.isInteger(expires) ||
      expires < 1 ||
      expires > MAX_PRESIGN_EXPIRES_S ||
      signedAt === undefined
    )
      throw new OssError(403, 'AccessDenied', 'The presigned URL has no valid x-oss-date and x-oss-expires.');
    return {
      ...splitCredential(query.get('x-oss-credential') ?? ''),
      additionalHeaders: (query.get('x-oss-additional-headers') ?? '').split(';').filter(Boolean),
      signature: query.get('x-oss-signature') ?? '',
      date,
      securityToken: query.get('x-oss-security-token'),
      queries: signedQueries(query, new Set(['x-oss-signature'])),
      expiresAt: new Date(signedAt.getTime() + expires * 1000),
    };
  }
  if (authorization === undefined)
    throw new OssError(403, 'AccessDenied', 'The request carries no Authorization header.');
  if (!authorization.startsWith(`${V4_ALGORITHM} `))
    throw new OssError(403, 'AccessDenied', `Only ${V4_ALGORITHM} (V4) signatures are accepted.`);
  const fields = new Map<string, string>();
  for (const field of authorization.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = field.indexOf('=');
    if (eq > 0) fields.set(field.slice(0, eq).trim(), field.slice(eq + 1).trim());
  }
  return {
    ...splitCredential(fields.get('Credential') ?? ''),
    additionalHeaders: (fields.get('AdditionalHeaders') ?? '').split(';').filter(Boolean),
    signature: fields.get('Signature') ?? '',
    date: headers['x-oss-date'],
    securityToken: headers['x-oss-security-token'],
    queries: signedQueries(query, new Set()),
    expiresAt: undefined,
  };
}

/**
 * Checks a request's V4 signature against `credentials`, as OSS does, and throws the error OSS would
 * give. The canonical request, string to sign and signature come from ali-oss's signer.
 */
function verifySignature(
  method: string,
  headers: Record<string, string>,
  query: Map<string, string>,
  target: Target,
  credentials: Credentials,
  now: Date,
): void {
  const claim = readClaim(headers, query);
  if (claim.accessKeyId !== credentials.accessKeyId)
    throw new OssError(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
      {
        OSSAccessKeyId: claim.accessKeyId,
      },
    );
  const signedAt = parseV4Date(claim.date);
  if (signedAt === undefined)
    throw new OssError(403, 'AccessDenied', 'x-oss-date is missing or not yyyymmddTHHMMssZ.');
  if (claim.expiresAt === undefined && Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS)
    throw new OssError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: claim.date ?? '',
        ServerTime: now.toISOString(),
      },
    );
  if (claim.expiresAt !== undefined && now.getTime() > claim.expiresAt.getTime())
    throw new OssError(403, 'AccessDenied', 'Request has expired.');
  if (
    claim.scopeDate !== claim.date?.slice(0, 8) ||
    claim.scopeRegion !== credentials.region ||
    claim.scopeProduct !== 'oss'
  )
    throw new OssError(
      403,
      'SignatureDoesNotMatch',
      `The credential scope must be ${claim.date?.slice(0, 8)}/${credentials.region}/oss/aliyun_v4_request.`,
    );
  if (claim.securityToken !== credentials.securityToken)
    throw new OssError(403, 'InvalidSecurityToken', 'The security token you provided is not valid.');
  let expected: string;
  try {
    const canonical = signUtils.getCanonicalRequest(
      method,
      { headers, queries: claim.queries },
      target.bucket,
      target.key,
      claim.additionalHeaders,
    );
    const stringToSign = signUtils.getStringToSign(credentials.region, claim.date ?? '', canonical);
    expected = signUtils.getSignatureV4(
      credentials.accessKeySecret,
      claim.scopeDate,
      credentials.region,
      stringToSign,
    );
  } catch {
    throw new OssError(
      403,
      'SignatureDoesNotMatch',
      'A header named in AdditionalHeaders is missing from the request.',
    );
  }
  if (expected !== claim.signature)
    throw new OssError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
}

function errorReply(error: OssError, requestId: string, target: Target | undefined): Reply {
  const fields: Record<string, string> = {
    Code: error.code,
    Message: error.message,
    RequestId: requestId,
    HostId: target === undefined || target.bucket === '' ? 'oss.local' : `${target.bucket}.oss.local`,
    ...(error.code === 'NoSuchBucket' && target !== undefined ? { BucketName: target.bucket } : {}),
    ...(error.code === 'NoSuchKey' && target !== undefined ? { Key: target.key } : {}),
    ...error.extra,
    EC: ERROR_EC[error.code] ?? '0000-00000000',
  };
  return {
    status: error.status,
    headers: { 'content-type': 'application/xml', 'x-oss-ec': fields.EC ?? '' },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElements(fields)}</Error>\n`),
  };
}

function objectHeaders(object: OssObject): Record<string, string> {
  const headers: Record<string, string> = {
    etag: object.etag,
    'content-type': object.contentType,
    'last-modified': object.lastModified.toUTCString(),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
    'x-oss-hash-crc64ecma': '0',
  };
  for (const [name, value] of Object.entries(object.meta)) headers[name] = value;
  return headers;
}

function xmlReply(status: number, root: string, inner: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${inner}</${root}>\n`),
  };
}

/** A listing parameter that must be an integer in 1..1000 (OSS's bounds for `max-keys`). */
function readMaxKeys(query: Map<string, string>): number {
  const text = query.get('max-keys');
  if (text === undefined || text === '') return DEFAULT_LIST_KEYS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIST_KEYS)
    throw new OssError(400, 'InvalidArgument', `max-keys must be an integer from 1 to ${MAX_LIST_KEYS}.`);
  return value;
}

/** ListObjects (V1) and ListObjectsV2 (`list-type=2`): keys in byte order, with prefix and delimiter. */
function listObjects(
  bucketName: string,
  objects: ReadonlyMap<string, OssObject>,
  query: Map<string, string>,
): Reply {
  const isV2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = readMaxKeys(query);
  const urlEncoded = query.get('encoding-type') === 'url';
  const token = query.get('continuation-token');
  const startAfter = isV2
    ? token !== undefined
      ? Buffer.from(token, 'base64url').toString('utf8')
      : (query.get('start-after') ?? '')
    : (query.get('marker') ?? '');
  const encode = (text: string): string => (urlEncoded ? encodeURIComponent(text) : text);
  const keys = [...objects.keys()].filter((key) => key.startsWith(prefix) && key > startAfter).sort();
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const key of keys) {
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut < 0 ? undefined : key.slice(0, cut + delimiter.length);
    if (common !== undefined && common === prefixes.at(-1)) continue;
    if (contents.length + prefixes.length === maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = common;
      continue;
    }
    const object = objects.get(key) as OssObject;
    const owner = !isV2 || query.get('fetch-owner') === 'true';
    contents.push(
      `<Contents>${xmlElements({
        Key: encode(key),
        LastModified: object.lastModified.toISOString(),
        ETag: object.etag,
        Type: 'Normal',
        Size: String(object.body.length),
        StorageClass: 'Standard',
      })}${owner ? `<Owner>${xmlElements({ ID: OWNER_ID, DisplayName: OWNER_ID })}</Owner>` : ''}</Contents>`,
    );
    last = key;
  }
  // A common prefix stands for every key under it: the next page starts after all of them.
  const resumeAfter = last.endsWith(delimiter) && delimiter !== '' ? `${last}\u{10FFFF}` : last;
  const head = xmlElements({
    Name: bucketName,
    Prefix: encode(prefix),
    ...(isV2
      ? { StartAfter: encode(query.get('start-after') ?? '') }
      : { Marker: encode(query.get('marker') ?? '') }),
    MaxKeys: String(maxKeys),
    Delimiter: encode(delimiter),
    ...(urlEncoded ? { EncodingType: 'url' } : {}),
    IsTruncated: String(truncated),
    ...(isV2 ? { KeyCount: String(contents.length + prefixes.length) } : {}),
    ...(isV2 && token !== undefined ? { ContinuationToken: token } : {}),
    ...(truncated
      ? isV2
        ? { NextContinuationToken: Buffer.from(resumeAfter, 'utf8').toString('base64url') }
        : { NextMarker: encode(resumeAfter) }
      : {}),
  });
  const common = prefixes.map(
    (p) => `<CommonPrefixes>${xmlElements({ Prefix: encode(p) })}</CommonPrefixes>`,
  );
  return xmlReply(200, 'ListBucketResult', head + contents.join('') + common.join(''));
}

/** An in-memory store of buckets, answering the object API for one request at a time. */
class OssStore {
  readonly buckets = new Map<string, Map<string, OssObject>>();
  readonly faults = new Map<string, OssFault>();

  constructor(names: readonly string[]) {
    for (const name of names) this.buckets.set(name, new Map());
  }

  bucket(name: string): Map<string, OssObject> {
    const bucket = this.buckets.get(name);
    if (bucket === undefined) throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    return bucket;
  }

  put(
    bucketName: string,
    key: string,
    body: Buffer,
    contentType: string,
    meta: Record<string, string>,
  ): OssObject {
    const object = { body, etag: computeEtag(body), contentType, lastModified: new Date(), meta };
    this.bucket(bucketName).set(key, object);
    return object;
  }

  /** Answers an authenticated request (the fault, if any, is applied by the caller). */
  answer(
    method: string,
    target: Target,
    headers: Record<string, string>,
    query: Map<string, string>,
    body: Buffer,
  ): Reply {
    const bucket = this.bucket(target.bucket);
    if (target.key === '') {
      if (method !== 'GET' || [...query.keys()].some((name) => !LIST_QUERY_ALLOWED.has(name)))
        throw new OssError(501, 'NotImplemented', 'This stand-in answers only object requests and listings.');
      return listObjects(target.bucket, bucket, query);
    }
    if (Buffer.byteLength(target.key) > MAX_KEY_BYTES)
      throw new OssError(400, 'KeyTooLong', `Object names are at most ${MAX_KEY_BYTES} bytes.`);
    if ([...query.keys()].some((name) => !OBJECT_QUERY_ALLOWED.has(name) && !isPresignParam(name)))
      throw new OssError(501, 'NotImplemented', 'This stand-in does not implement that sub-resource.');
    switch (method) {
      case 'GET':
      case 'HEAD':
        return this.read(bucket, target.key, headers, query);
      case 'PUT':
        return this.write(target, headers, body);
      case 'DELETE':
        bucket.delete(target.key);
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      default:
        throw new OssError(405, 'MethodNotAllowed', `The method ${method} is not allowed on an object.`);
    }
  }

  private read(
    bucket: Map<string, OssObject>,
    key: string,
    headers: Record<string, string>,
    query: Map<string, string>,
  ): Reply {
    const object = bucket.get(key);
    if (object === undefined) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.');
    const replyHeaders = objectHeaders(object);
    const ifMatch = headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== object.etag && ifMatch !== '*')
      throw new OssError(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold.',
      );
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch !== undefined && (ifNoneMatch === object.etag || ifNoneMatch === '*'))
      return {
        status: 304,
        headers: { etag: object.etag, 'last-modified': replyHeaders['last-modified'] ?? '' },
        body: Buffer.alloc(0),
      };
    for (const name of OBJECT_QUERY_ALLOWED) {
      const value = query.get(name);
      if (value !== undefined) replyHeaders[name.slice('response-'.length)] = value;
    }
    const range = readRange(headers.range, object.body.length);
    if (range === undefined) return { status: 200, headers: replyHeaders, body: object.body };
    replyHeaders['content-range'] = `bytes ${range.start}-${range.end}/${object.body.length}`;
    return { status: 206, headers: replyHeaders, body: object.body.subarray(range.start, range.end + 1) };
  }

  private write(target: Target, headers: Record<string, string>, body: Buffer): Reply {
    const bucket = this.bucket(target.bucket);
    if (headers['x-oss-forbid-overwrite'] === 'true' && bucket.has(target.key))
      throw new OssError(
        409,
        'FileAlreadyExists',
        'The object you specified already exists and can not be overwritten.',
      );
    const copySource = headers['x-oss-copy-source'];
    if (copySource !== undefined) return this.copy(target, copySource, headers);
    const md5 = headers['content-md5'];
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64'))
      throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
    const object = this.put(
      target.bucket,
      target.key,
      body,
      headers['content-type'] ?? 'application/octet-stream',
      metaOf(headers),
    );
    return { status: 200, headers: { etag: object.etag }, body: Buffer.alloc(0) };
  }

  private copy(target: Target, copySource: string, headers: Record<string, string>): Reply {
    const source = decodeComponent(copySource).replace(/^\//, '');
    const slash = source.indexOf('/');
    if (slash < 1) throw new OssError(400, 'InvalidArgument', 'x-oss-copy-source must be /<bucket>/<key>.');
    const from = this.bucket(source.slice(0, slash)).get(source.slice(slash + 1));
    if (from === undefined) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.');
    const replace = headers['x-oss-metadata-directive'] === 'REPLACE';
    const object = this.put(
      target.bucket,
      target.key,
      from.body,
      replace ? (headers['content-type'] ?? 'application/octet-stream') : from.contentType,
      replace ? metaOf(headers) : { ...from.meta },
    );
    return xmlReply(
      200,
      'CopyObjectResult',
      xmlElements({ ETag: object.etag, LastModified: object.lastModified.toISOString() }),
    );
  }
}

/**
 * One `Range: bytes=a-b` (or `bytes=a-`) within the object. Like OSS, a range it cannot serve (several
 * ranges, start past the end, end before start) is ignored and the whole object is sent with 200.
 */
function readRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header ?? '');
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start <= end ? { start, end } : undefined;
}

const LIST_QUERY_ALLOWED = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'marker',
  'continuation-token',
  'start-after',
  'encoding-type',
  'fetch-owner',
  ...PRESIGN_PARAMS,
]);

function isPresignParam(name: string): boolean {
  return (PRESIGN_PARAMS as readonly string[]).includes(name);
}

function metaOf(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-oss-meta-')));
}

/** Reads a request body up to `limit` bytes; undefined when it is larger (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The stand-in's dummy credentials, region and bucket unless told otherwise. */
export const OSS_STAND_IN_DEFAULTS = {
  region: 'cn-hangzhou',
  accessKeyId: 'LTAI-local-access-key',
  accessKeySecret: 'local-access-key-secret',
  bucket: 'vms-rules',
} as const;

/**
 * Starts the stand-in. Defaults: port 0 (any free port) on 127.0.0.1, `OSS_STAND_IN_DEFAULTS`, no
 * security token.
 */
export async function startOssServer(options: OssServerOptions = {}): Promise<OssServer> {
  const credentials: Credentials = {
    region: options.region ?? OSS_STAND_IN_DEFAULTS.region,
    accessKeyId: options.accessKeyId ?? OSS_STAND_IN_DEFAULTS.accessKeyId,
    accessKeySecret: options.accessKeySecret ?? OSS_STAND_IN_DEFAULTS.accessKeySecret,
    securityToken: options.securityToken,
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const store = new OssStore(options.buckets ?? [OSS_STAND_IN_DEFAULTS.bucket]);
  const requests: MutableRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function send(
    res: ServerResponse,
    record: MutableRecord,
    method: string,
    reply: Reply,
    requestId: string,
  ): void {
    record.status = reply.status;
    const headers: Record<string, string> = {
      server: 'AliyunOSS',
      date: new Date().toUTCString(),
      'x-oss-request-id': requestId,
      'content-length': String(reply.body.length),
      ...reply.headers,
    };
    // A HEAD answer has no body, so OSS sends its error XML base64-encoded in a header instead.
    if (method === 'HEAD' && reply.status >= 400) headers['x-oss-err'] = reply.body.toString('base64');
    res
      .writeHead(reply.status, headers)
      .end(method === 'HEAD' || reply.status === 304 ? undefined : reply.body);
  }

  function applyFault(
    res: ServerResponse,
    record: MutableRecord,
    method: string,
    fault: OssFault,
    answer: () => Reply,
    requestId: string,
  ): void {
    switch (fault.kind) {
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, record, method, answer(), requestId);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'hang':
        return;
      case 'truncate': {
        const reply = answer();
        record.status = reply.status;
        res.writeHead(reply.status, {
          'x-oss-request-id': requestId,
          'content-length': String(reply.body.length),
          ...reply.headers,
        });
        const half =
          method === 'HEAD' ? Buffer.alloc(0) : reply.body.subarray(0, Math.floor(reply.body.length / 2));
        res.write(half, () => res.socket?.destroy());
        return;
      }
      case 'garbage':
        send(
          res,
          record,
          method,
          {
            status: 200,
            headers: { 'content-type': 'text/html' },
            body: Buffer.from(
              '<html><body><h1>502 Bad Gateway</h1><p>The proxy could not reach the server.</p></body></html>\n',
            ),
          },
          requestId,
        );
        return;
      case 'error':
        send(
          res,
          record,
          method,
          errorReply(
            new OssError(fault.status, fault.code, `Fault set on this object: ${fault.code}.`),
            requestId,
            undefined,
          ),
          requestId,
        );
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const requestId = newRequestId();
    const url = new URL(req.url ?? '/', 'http://local');
    const record: MutableRecord = { method, bucket: '', key: '', query: {}, status: 0, signed: 'none' };
    requests.push(record);
    if (requests.length > MAX_RECORDED_REQUESTS) requests.splice(0, requests.length - MAX_RECORDED_REQUESTS);
    let target: Target | undefined;
    try {
      const query = parseQuery(url.search);
      record.query = Object.fromEntries(query);
      target = findTarget(req, url.pathname);
      record.bucket = target.bucket;
      record.key = target.key;
      const body = await readBody(req, maxBodyBytes);
      if (body === undefined) {
        res.setHeader('connection', 'close');
        throw new OssError(
          413,
          'EntityTooLarge',
          `Your proposed upload exceeds the maximum allowed size (${maxBodyBytes} bytes here).`,
        );
      }
      const headers = headerMap(req);
      record.signed = headers.authorization === undefined && !query.has('x-oss-signature') ? 'none' : 'bad';
      verifySignature(method, headers, query, target, credentials, new Date());
      record.signed = 'v4';
      store.bucket(target.bucket);
      const answerTarget = target;
      const answer = (): Reply => {
        try {
          return store.answer(method, answerTarget, headers, query, body);
        } catch (error) {
          if (error instanceof OssError) return errorReply(error, requestId, answerTarget);
          throw error;
        }
      };
      const fault = store.faults.get(faultKey(target.bucket, target.key));
      if (fault !== undefined && (method === 'GET' || method === 'HEAD'))
        applyFault(res, record, method, fault, answer, requestId);
      else send(res, record, method, answer(), requestId);
    } catch (error) {
      if (!(error instanceof OssError)) throw error;
      send(res, record, method, errorReply(error, requestId, target), requestId);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('oss-server: unexpected error', error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const host = options.host ?? '127.0.0.1';

  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    region: credentials.region,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    securityToken: credentials.securityToken,
    putObject(bucket, key, body, contentType = 'application/octet-stream') {
      if (!store.buckets.has(bucket))
        throw new Error(
          `the stand-in has no bucket ${bucket}; it has ${[...store.buckets.keys()].join(', ')}`,
        );
      return store.put(bucket, key, Buffer.from(body), contentType, {}).etag;
    },
    getObject(bucket, key) {
      return store.buckets.get(bucket)?.get(key);
    },
    setFault(bucket, key, fault) {
      if (fault === undefined) store.faults.delete(faultKey(bucket, key));
      else store.faults.set(faultKey(bucket, key), fault);
    },
    requests,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
    },
  };
}

function faultKey(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}
