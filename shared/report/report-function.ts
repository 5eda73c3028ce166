import { BUILD_VERSION, getCallbackSecrets, getConfig } from '../config/config';
import { createFcHandler, type FcHttpResult } from '../fc/http-trigger';
import { RecentKeys } from '../gate/recent-keys';
import { createProcessLogger } from '../log/process-logger';
import { handleReportRequest, MAX_REPORT_BODY_BYTES } from './handle-report';

/**
 * What an instance of the receipts function takes from whoever hosts it: FC gives nothing (the real clock,
 * stdout); the VMS API stand-in gives its calls' clock and takes the log lines (the callback functions'
 * `FunctionHost` has the same two fields).
 */
export type ReportHost = {
  /** The clock stamped on the log lines, epoch milliseconds. */
  readonly now?: () => number;
  /** Where the JSON log lines go (one line, no newline); stdout by default. */
  readonly writeLog?: (line: string) => void;
};

/** Builds the FC handler of the receipts function with the real environment, and the host's clock and log. */
export function createReportFunction(
  name: string,
  host: ReportHost = {},
): (event: unknown, context?: unknown) => Promise<FcHttpResult> {
  const log = createProcessLogger(name, {
    write: host.writeLog,
    ...(host.now === undefined ? {} : { now: host.now }),
  });
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
