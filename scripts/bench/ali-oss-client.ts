/**
 * The alternative the OSS bench weighs against shared/oss/get-object.ts: the same `getObject`, made with
 * `ali-oss` (V4). `scripts/bench/oss.ts` bundles it as a side file in place of `oss-client.js`, as the
 * functions would load it lazily if they used the SDK, and times a cold first reply with each.
 */
import OSS from 'ali-oss';
import type { GetObjectRequest, GetObjectResult } from '../../shared/oss/get-object';

export async function getObject(request: GetObjectRequest): Promise<GetObjectResult> {
  const client = new OSS({
    endpoint: request.endpoint,
    region: `oss-${request.region}`,
    accessKeyId: request.credentials.accessKeyId,
    accessKeySecret: request.credentials.accessKeySecret,
    ...(request.credentials.securityToken === undefined
      ? {}
      : { stsToken: request.credentials.securityToken }),
    bucket: request.address.bucket,
    authorizationV4: true,
    secure: request.endpoint.startsWith('https:'),
    timeout: request.timeoutMs,
  });
  const headers = request.ifNoneMatch === undefined ? {} : { 'If-None-Match': request.ifNoneMatch };
  const result = await client.get(request.address.key, { headers });
  if (result.res.status === 304) return { status: 'unchanged' };
  const etag = (result.res.headers as Record<string, string | undefined>).etag;
  return { status: 'ok', text: Buffer.from(result.content as Buffer).toString('utf8'), etag };
}
