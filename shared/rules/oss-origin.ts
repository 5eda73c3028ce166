import type { Config } from '../config/config';
import type { GetObjectRequest, GetObjectResult } from '../oss/get-object';
import { formatOssUrl, regionEndpoint } from '../oss/oss-address';
import type { OssCredentials } from '../oss/sign-v4';
import { type LoadedRules, loadRulesText, type ParseYaml, UNREAD_PATHS } from './load-rules';
import { detectRulesFormat } from './read-rules-text';
import type { RulesOrigin } from './rules-cache';

/** The longest an OSS request may take, connection to last byte, ms: a cold start waits less (its budget). */
export const OSS_TIMEOUT_MS = 5_000;

/** What reading rules from OSS needs from the function that hosts it. */
export type OssHost = {
  /** The GetObject client: in the functions, a side bundle loaded on first use. */
  readonly getObject: (request: GetObjectRequest) => Promise<GetObjectResult>;
  /** The function role's temporary credentials (of the latest request), else the environment's. */
  readonly credentials: () => OssCredentials | undefined;
  /** The function's own region, for a configuration without `RULES_OSS_REGION`. */
  readonly region: () => string | undefined;
  readonly now: () => number;
  readonly parseYaml: ParseYaml;
};

/** What OSS said, as the client rejects with it: a code, a message, perhaps a request id. */
type ReadFailure = { readonly code?: unknown; readonly message?: unknown; readonly requestId?: unknown };

/** What to do about an OSS error code, for the log. */
const ADVICE: Readonly<Record<string, string>> = {
  NoSuchKey: 'publish it with npm run rules -- publish',
  NoSuchBucket: 'check the bucket name and RULES_OSS_REGION',
  AccessDenied: "give the function's role oss:GetObject on this object",
  InvalidAccessKeyId: "check the function's role, or the ALIBABA_CLOUD_ACCESS_KEY_ID given",
  SignatureDoesNotMatch: 'check the access key secret',
  Timeout: 'the last good rules go on answering; the next check tries again',
  TooLarge: 'publish compiled JSON, or raise RULES_MAX_BYTES',
};

/**
 * `RULES_URL` as an origin: a signed GET with `If-None-Match` (an unchanged object answers 304 and
 * downloads nothing), within {@link OSS_TIMEOUT_MS}, refused over `RULES_MAX_BYTES`. YAML for a key
 * ending `.yaml`/`.yml`, JSON otherwise (`rules publish` writes compiled JSON).
 */
export function ossOrigin(config: Config, host: OssHost): RulesOrigin {
  const address = config.rulesUrl;
  const url = address === undefined ? '(unset)' : formatOssUrl(address);
  const unreadable = (message: string): LoadedRules => ({
    ok: false,
    source: 'oss',
    issues: [{ path: UNREAD_PATHS.url, message: `cannot read RULES_URL ${url}: ${message}` }],
  });
  return {
    fetch: async (knownTag) => {
      const credentials = host.credentials();
      const region = config.rulesOssRegion ?? host.region();
      const problem =
        address === undefined
          ? 'RULES_URL is not set'
          : credentials === undefined
            ? "no credentials: give the function a role (s.yaml's role), or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
            : region === undefined
              ? "the function's region is unknown: set RULES_OSS_REGION"
              : undefined;
      if (
        problem !== undefined ||
        address === undefined ||
        credentials === undefined ||
        region === undefined
      ) {
        return { unchanged: false, tag: undefined, loaded: unreadable(problem ?? '') };
      }
      try {
        const result = await host.getObject({
          endpoint: config.rulesOssEndpoint ?? regionEndpoint(region, 'internal'),
          address,
          region,
          credentials,
          ifNoneMatch: knownTag,
          maxBytes: config.rulesMaxBytes,
          timeoutMs: OSS_TIMEOUT_MS,
          now: host.now,
        });
        if (result.status === 'unchanged') return { unchanged: true };
        const format = detectRulesFormat(address.key);
        return {
          unchanged: false,
          tag: result.etag,
          loaded: loadRulesText('oss', result.text, format, host.parseYaml),
        };
      } catch (error) {
        return { unchanged: false, tag: undefined, loaded: unreadable(describeFailure(error)) };
      }
    },
  };
}

/** `NoSuchKey: The specified key does not exist. (request 5C3D…): publish it with …` */
function describeFailure(error: unknown): string {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as ReadFailure;
  const code = typeof failure.code === 'string' ? failure.code : 'Error';
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  const request = typeof failure.requestId === 'string' ? ` (OSS request ${failure.requestId})` : '';
  const advice = ADVICE[code];
  return `${code}: ${message}${request}${advice === undefined ? '' : `; ${advice}`}`;
}
