/**
 * An OSS location as the CLI takes it: the shared schema (shared/oss/oss-schemas.ts, which the functions'
 * configuration reads too), with room kept in a key for the CLI's `.versions/<version>.json` copies.
 */
import * as v from 'valibot';
import {
  formatOssUrl,
  MAX_KEY_BYTES as OSS_MAX_KEY_BYTES,
  type OssAddress,
} from '../../shared/oss/oss-address';
import { OssUrlSchema } from '../../shared/oss/oss-schemas';

/** OSS object names are at most 1023 bytes; the CLI keeps room for `.versions/<version>.json` beside. */
const MAX_KEY_BYTES = OSS_MAX_KEY_BYTES - 256;

/** `oss://bucket/key` → its bucket and key. */
export const OssLocationSchema = v.pipe(
  OssUrlSchema,
  v.check(
    (location) => Buffer.byteLength(location.key) <= MAX_KEY_BYTES,
    `the key is longer than ${MAX_KEY_BYTES} bytes`,
  ),
);
export type OssLocation = OssAddress;

/** `oss://bucket/key` as printed, for another key in the same bucket when given. */
export function formatOssLocation(location: OssLocation, key = location.key): string {
  return formatOssUrl({ bucket: location.bucket, key });
}
