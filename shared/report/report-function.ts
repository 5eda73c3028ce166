import { BUILD_VERSION, getCallbackSecrets, getConfig } from '../config/config';
import { createFcHandler, type FcHttpResult } from '../fc/http-trigger';
import { RecentKeys } from '../gate/recent-keys';
import { createProcessLogger } from '../log/process-logger';
import { handleReportRequest, MAX_REPORT_BODY_BYTES } from './handle-report';

/** Builds the FC handler of the receipts function with the real environment and stdout. */
export function createReportFunction(
  name: string,
): (event: unknown, context?: unknown) => Promise<FcHttpResult> {
  const log = createProcessLogger(name);
  const deps = {
    functionName: name,
    buildVersion: BUILD_VERSION,
    getConfig,
    getCallbackSecrets,
    get log() {
      return log();
    },
    recent: new RecentKeys(4096),
  };
  return createFcHandler((request) => handleReportRequest(request, deps), {
    maxBodyBytes: MAX_REPORT_BODY_BYTES,
    functionName: name,
    log,
  });
}
