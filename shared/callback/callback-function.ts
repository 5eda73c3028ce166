import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_VERSION, getCallbackSecrets, getConfig } from '../config/config';
import { createFcHandler, type FcHttpResult } from '../fc/http-trigger';
import type { CallOrigin } from '../flow/decision';
import { RecentKeys } from '../gate/recent-keys';
import { createProcessLogger } from '../log/process-logger';
import { MAX_BODY_BYTES } from '../protocol/http';
import { createRulesCache } from '../rules/rules-cache';
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
 * Builds the FC handler of a callback function (`inbound` or `outbound`) with the real clock, process
 * environment, file system and stdout. Nothing is read until the first request.
 */
export function createCallbackFunction(options: {
  readonly name: string;
  readonly origin: CallOrigin;
}): (event: unknown, context?: unknown) => Promise<FcHttpResult> {
  const log = createProcessLogger(options.name);
  const deps = {
    functionName: options.name,
    origin: options.origin,
    buildVersion: BUILD_VERSION,
    getConfig,
    getCallbackSecrets,
    getRules: createRulesCache(
      {
        readText: (path) => readFileSync(path, 'utf8'),
        parseYaml: loadYamlParser,
        fingerprint: (path) => {
          const stat = statSync(path);
          return `${stat.mtimeMs}:${stat.size}`;
        },
      },
      () => Date.now(),
      log,
    ),
    // Read through `Date.now` on every call (not captured), so tests can set the clock the bundle sees.
    now: () => Date.now(),
    get log() {
      return log();
    },
    recent: new RecentKeys(2048),
    instance: { answered: 0 },
  };
  return createFcHandler((request) => handleCallbackRequest(request, deps), {
    maxBodyBytes: MAX_BODY_BYTES,
    functionName: options.name,
    log,
  });
}
