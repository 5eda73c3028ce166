/**
 * OSS names as valibot schemas, for the functions' configuration and the rules CLI alike: bucket names,
 * `oss://bucket/key` locations, regions and endpoints, each with a message that says what to write.
 * Kept apart from oss-address.ts so that the GetObject client (a side bundle) carries no valibot.
 */
import * as v from 'valibot';
import { BUCKET_NAME, normaliseOssRegion, parseOssUrl } from './oss-address';

export const BucketNameSchema = v.pipe(
  v.string(),
  v.regex(BUCKET_NAME, 'a bucket name is 3 to 63 of a-z, 0-9 and -, not starting or ending with -'),
);

/** `oss://bucket/key` → `{bucket, key}`, by {@link parseOssUrl}. */
export const OssUrlSchema = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseOssUrl(dataset.value);
    if (typeof parsed !== 'string') return parsed;
    addIssue({ message: parsed });
    return NEVER;
  }),
);

/** A region id such as `cn-hangzhou`; `oss-cn-hangzhou` is taken too, and read without `oss-`. */
export const OssRegionSchema = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const region = normaliseOssRegion(dataset.value);
    if (region !== undefined) return region;
    addIssue({ message: 'a region is an id such as cn-hangzhou' });
    return NEVER;
  }),
);

/** An endpoint: `http(s)://host[:port]`, nothing after; read without a trailing slash. */
export const OssEndpointSchema = v.pipe(
  v.string(),
  v.regex(
    /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/,
    'an endpoint is http(s)://host[:port], such as https://oss-cn-hangzhou-internal.aliyuncs.com',
  ),
  v.transform((endpoint) => endpoint.replace(/\/$/, '')),
);
