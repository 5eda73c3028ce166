/**
 * OSS names as the CLI takes them: bucket names, `oss://bucket/key` locations, regions and endpoints,
 * each a valibot schema whose messages say what to write instead.
 */
import * as v from 'valibot';

/** OSS bucket names: 3 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen. */
export const BucketNameSchema = v.pipe(
  v.string(),
  v.regex(
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'a bucket name is 3 to 63 of a-z, 0-9 and -, not starting or ending with -',
  ),
);

/** OSS object names are at most 1023 bytes; the CLI keeps room for `.versions/<version>.json` beside. */
const MAX_KEY_BYTES = 1023 - 256;

/** `oss://bucket/key` → its bucket and key. */
export const OssLocationSchema = v.pipe(
  v.string(),
  v.regex(
    /^oss:\/\/[^/]+\/.+$/,
    'an OSS location is oss://<bucket>/<key>, such as oss://vms-rules/rules.json',
  ),
  v.transform((text) => {
    const rest = text.slice('oss://'.length);
    const slash = rest.indexOf('/');
    return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }),
  v.object({
    bucket: BucketNameSchema,
    key: v.pipe(
      v.string(),
      v.check((key) => !key.endsWith('/') && !key.startsWith('/'), 'the key names an object, not a folder'),
      v.check(
        (key) => Buffer.byteLength(key) <= MAX_KEY_BYTES,
        `the key is longer than ${MAX_KEY_BYTES} bytes`,
      ),
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
      v.regex(/^[^\u0000-\u001f\\]+$/, 'the key has a control character or a backslash'),
    ),
  }),
);
export type OssLocation = v.InferOutput<typeof OssLocationSchema>;

/** A region id such as `cn-hangzhou`; `oss-cn-hangzhou` is taken too, and read without `oss-`. */
export const RegionSchema = v.pipe(
  v.string(),
  v.regex(/^(oss-)?[a-z]{2,}(-[a-z0-9]+)+$/, 'a region is an id such as cn-hangzhou'),
  v.transform((region) => region.replace(/^oss-/, '')),
);

/** An endpoint: `http(s)://host[:port]`, nothing after. */
export const EndpointSchema = v.pipe(
  v.string(),
  v.regex(
    /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/,
    'an endpoint is http(s)://host[:port], such as https://oss-cn-hangzhou-internal.aliyuncs.com',
  ),
  v.transform((endpoint) => endpoint.replace(/\/$/, '')),
);

/** `oss://bucket/key` as printed. */
export function formatOssLocation(location: OssLocation, key = location.key): string {
  return `oss://${location.bucket}/${key}`;
}
