/**
 * OSS object addresses (`oss://bucket/key`) and endpoints: pure, shared by the functions' rules
 * loader, the configuration check and the rules CLI.
 */

/** An object in a bucket. */
export type OssAddress = { readonly bucket: string; readonly key: string };

/** OSS's bucket naming rule: 3–63 lower-case letters, digits and hyphens, not starting or ending with a hyphen. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The longest object key OSS accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1023;

/**
 * Reads `oss://bucket/key`. Returns the address, or a sentence saying what is wrong with the text.
 * The key is taken as written (no percent-decoding): it is the object's name.
 */
export function parseOssUrl(text: string): OssAddress | string {
  const match = /^oss:\/\/([^/]*)\/(.*)$/s.exec(text);
  if (match === null) return 'an OSS location is oss://<bucket>/<key>, such as oss://vms-rules/rules.json';
  const [, bucket = '', key = ''] = match;
  if (!BUCKET_NAME.test(bucket)) {
    return `"${bucket}" is not a bucket name (3–63 lower-case letters, digits and hyphens)`;
  }
  if (key === '' || key.endsWith('/')) return 'name an object after the bucket, not a folder';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `the object key is longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/') || key.includes('\\')) return 'the object key may not start with / or contain \\';
  // A URL drops `.` and `..` segments, so such a key would be signed as one object and asked for as another.
  if (key.split('/').some((segment) => segment === '.' || segment === '..' || segment === '')) {
    return 'the object key may not have empty, . or .. segments';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'the object key may not contain control characters';
  return { bucket, key };
}

/** `oss://bucket/key`, the way {@link parseOssUrl} reads it. */
export function formatOssUrl(address: OssAddress): string {
  return `oss://${address.bucket}/${address.key}`;
}

/** A region id as OSS writes it without its `oss-` prefix, such as `cn-hangzhou`. */
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+){1,4}$/;

/** `cn-hangzhou` from `cn-hangzhou` or `oss-cn-hangzhou`; undefined when it is not a region id. */
export function normaliseOssRegion(text: string): string | undefined {
  const region = text.trim().replace(/^oss-/, '');
  return REGION.test(region) ? region : undefined;
}

/** The region's endpoint: internal (from inside Alibaba Cloud, no traffic fee) or public. */
export function regionEndpoint(region: string, network: 'internal' | 'public'): string {
  return `https://oss-${region}${network === 'internal' ? '-internal' : ''}.aliyuncs.com`;
}

/**
 * The URL of an object at an endpoint: virtual-hosted (`bucket.host/key`) as OSS requires for its own
 * domains, path-style (`host/bucket/key`) for an IP address, as a local OSS server is reached.
 */
export function objectUrl(endpoint: string, address: OssAddress): URL {
  const base = new URL(endpoint);
  const path = encodeObjectPath(address.key);
  const isIp = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(base.hostname) || base.hostname.startsWith('[');
  if (isIp) return new URL(`${base.protocol}//${base.host}/${address.bucket}/${path}`);
  return new URL(`${base.protocol}//${address.bucket}.${base.host}/${path}`);
}

/**
 * A key percent-encoded for a URL path and for the V4 canonical URI: everything but the unreserved
 * characters (`A–Z a–z 0–9 - _ . ~`) and `/` is encoded, as UTF-8.
 */
export function encodeObjectPath(key: string): string {
  return encodeRfc3986(key).replace(/%2F/g, '/');
}

/** RFC 3986 encoding: `encodeURIComponent` plus `! ' ( ) *`. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
