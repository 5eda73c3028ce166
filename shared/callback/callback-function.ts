import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type {
  ClassifierGuardReport,
  ClassifyAnswer,
  ClassifyTask,
  PerformClassify,
} from '../classify/classify-types';
import { CLASSIFIER_ENV_PREFIX } from '../classify/classify-types';
import {
  BUILD_VERSION,
  getCallbackSecrets,
  getConfig,
  getEnvironmentCredentials,
  getNamedVariable,
  getPlatformRegion,
} from '../config/config';
import { createFcHandler, type FcHttpResult } from '../fc/http-trigger';
import type { CallOrigin } from '../flow/decision';
import { RecentKeys } from '../gate/recent-keys';
import { createProcessLogger } from '../log/process-logger';
import {
  LOOKUP_ENV_PREFIX,
  type LookupAnswer,
  type LookupTask,
  type PerformLookup,
} from '../lookup/lookup-types';
import type { GetObjectRequest, GetObjectResult } from '../oss/get-object';
import { normaliseOssRegion } from '../oss/oss-address';
import type { OssCredentials } from '../oss/sign-v4';
import { MAX_BODY_BYTES } from '../protocol/http';
import { ossOrigin } from '../rules/oss-origin';
import { createRulesCache } from '../rules/rules-cache';
import { fingerprintOf, readRulesFile, readRulesFileNow } from '../rules/rules-file-readers';
import { handleCallbackRequest } from './handle-callback';

/**
 * The YAML parser, from `yaml-parser.js` beside the bundle (built from shared/rules/yaml-parser.ts), on
 * first use only: JSON rules never load it.
 */
function loadYamlParser(text: string): unknown {
  const path = join(__dirname, 'yaml-parser.js');
  return (require(path) as { parseYaml: (text: string) => unknown }).parseYaml(text);
}

/**
 * The OSS client, from `oss-client.js` beside the bundle (built from shared/oss/get-object.ts), on
 * first use only: a function without `RULES_URL` loads no OSS code.
 */
function loadOssClient(request: GetObjectRequest): Promise<GetObjectResult> {
  const path = join(__dirname, 'oss-client.js');
  return (require(path) as { getObject: typeof loadOssClient }).getObject(request);
}

/**
 * The lookup client, from `lookup-client.js` beside the bundle (built from shared/lookup/lookup-client.ts),
 * on first use only: a function whose documents have no lookups loads no lookup code.
 */
function loadLookupClient(task: LookupTask): Promise<LookupAnswer> {
  const path = join(__dirname, 'lookup-client.js');
  return (require(path) as { performLookup: typeof loadLookupClient }).performLookup(task);
}

/** The classifier client's module, once a classification has loaded it. */
type ClassifierModule = {
  performClassify: PerformClassify;
  classifierGuards: () => readonly ClassifierGuardReport[];
};
let classifierModule: ClassifierModule | undefined;

/**
 * The classifier client, from `classifier-client.js` beside the bundle (built from
 * shared/classify/classifier-client.ts), on first use only: a function whose documents have no
 * `classifier` loads none of its code.
 */
function loadClassifierClient(task: ClassifyTask): Promise<ClassifyAnswer> {
  classifierModule ??= require(join(__dirname, 'classifier-client.js')) as ClassifierModule;
  return classifierModule.performClassify(task);
}

/** The role's temporary keys in FC's context, when it has a role. */
const FcCredentialsSchema = v.object({
  accessKeyId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  accessKeySecret: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  securityToken: v.optional(v.pipe(v.string(), v.maxLength(8192))),
});

/**
 * What FC's context says that reading OSS needs, each part read on its own: a context without a role
 * (or with an odd field) still gives its region, and a region that is not one is not used.
 */
function readFcContext(context: unknown): {
  credentials?: v.InferOutput<typeof FcCredentialsSchema>;
  region?: string;
} {
  const fields = (typeof context === 'object' && context !== null ? context : {}) as Record<string, unknown>;
  const credentials = v.safeParse(FcCredentialsSchema, fields.credentials);
  const region = typeof fields.region === 'string' ? normaliseOssRegion(fields.region) : undefined;
  return {
    ...(credentials.success ? { credentials: credentials.output } : {}),
    ...(region === undefined ? {} : { region }),
  };
}

/**
 * What a function instance takes from whoever hosts it. FC hosts production with nothing: the real clock
 * (`Date.now`) and stdout. The simulator hosts an instance with a clock set to the call's time, and takes
 * its log lines. No global is replaced: each instance reads only the host it was built with.
 */
export type FunctionHost = {
  /**
   * The instance's clock, epoch milliseconds: business hours and every time condition, the callback's
   * deadline, the rules file's reload checks and the log lines' `time`. Read on every use.
   */
  readonly now?: () => number;
  /** Where the instance's JSON log lines go (one line, no newline); stdout by default. */
  readonly writeLog?: (line: string) => void;
  /**
   * Who performs the instance's lookups, given its own client (the side bundle `lookup-client.js`,
   * loaded on first use): that client by default. The simulator answers them from a scenario instead,
   * or sends them to a local stand-in through that client.
   */
  readonly lookups?: (client: PerformLookup) => PerformLookup;
  /**
   * Who performs the instance's classifications, given its own client (the side bundle
   * `classifier-client.js`, loaded on first use): that client by default. The simulator answers them
   * from a scenario instead, or sends them to the stand-in through that client.
   */
  readonly classify?: (client: PerformClassify) => PerformClassify;
  /**
   * How long the process has run, ms, for the cold line's `uptimeMs`: `process.uptime()` when FC hosts
   * the instance (no host given); none unless a host gives it (the simulator's instances start with a call).
   */
  readonly uptimeMs?: () => number;
  /**
   * The folder the function's code was deployed in: the bundle's own by default. A `RULES_FILE` inside it
   * is read at once at a cold start (it cannot stall); any other path, a mount above all, asynchronously
   * within `RULES_LOAD_BUDGET_MS`.
   */
  readonly codeFolder?: string;
};

/**
 * Builds the FC handler of a callback function (`inbound` or `outbound`) with the process environment
 * and file system, and the host's clock and log (the real clock and stdout by default). Nothing is read
 * until the first request.
 */
export function createCallbackFunction(options: {
  readonly name: string;
  readonly origin: CallOrigin;
  readonly host?: FunctionHost | undefined;
}): (event: unknown, context?: unknown) => Promise<FcHttpResult> {
  const now = options.host?.now ?? (() => Date.now());
  const log = createProcessLogger(options.name, { write: options.host?.writeLog, now });
  /**
   * FC's context of the latest request (its credentials are the freshest: STS keys rotate), kept as
   * given and read only when OSS is: a function without `RULES_URL` never parses it. In the custom
   * runtime many requests are in flight at once and a read may use a later request's context. There the
   * server builds the context (shared/fc/custom-runtime.ts `contextOf`): the keys from FC's documented
   * `x-fc-access-key-*` headers, shape-checked and with their token, unless the environment holds
   * static keys of its own (then those are read here); the region from the environment first. That a
   * caller cannot send `x-fc-*` headers of their own rests on FC's documentation.
   */
  let latestContext: unknown;
  const context = () => readFcContext(latestContext);
  const credentials = (): OssCredentials | undefined => {
    const given = context().credentials;
    return given === undefined
      ? getEnvironmentCredentials()
      : { ...given, securityToken: given.securityToken || undefined };
  };
  const deps = {
    functionName: options.name,
    origin: options.origin,
    buildVersion: BUILD_VERSION,
    getConfig,
    getCallbackSecrets,
    getRules: createRulesCache(
      {
        fingerprint: async (path) => fingerprintOf(await stat(path)),
        read: readRulesFile,
        readNow: readRulesFileNow,
        codeFolder: options.host?.codeFolder ?? __dirname,
        parseYaml: loadYamlParser,
        oss: (config) =>
          ossOrigin(config, {
            getObject: loadOssClient,
            credentials,
            region: () => context().region ?? getPlatformRegion(),
            // Signatures need the real time, whatever clock the host gives the decisions.
            now: () => Date.now(),
            parseYaml: loadYamlParser,
          }),
      },
      now,
      log,
    ),
    now,
    get log() {
      return log();
    },
    recent: new RecentKeys(2048),
    instance: { answered: 0 },
    uptimeMs: options.host === undefined ? () => Math.round(process.uptime() * 1000) : options.host.uptimeMs,
    lookups: {
      perform: options.host?.lookups?.(loadLookupClient) ?? loadLookupClient,
      env: (name: string) => (name.startsWith(LOOKUP_ENV_PREFIX) ? getNamedVariable(name) : undefined),
    },
    classify: {
      perform: options.host?.classify?.(loadClassifierClient) ?? loadClassifierClient,
      env: (name: string) => (name.startsWith(CLASSIFIER_ENV_PREFIX) ? getNamedVariable(name) : undefined),
      guards: () => classifierModule?.classifierGuards() ?? [],
    },
  };
  const handle = createFcHandler((request) => handleCallbackRequest(request, deps), {
    maxBodyBytes: MAX_BODY_BYTES,
    functionName: options.name,
    log,
  });
  return (event, fcContext) => {
    latestContext = fcContext;
    return handle(event, fcContext);
  };
}
