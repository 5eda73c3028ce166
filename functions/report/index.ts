import { MAX_REPORT_BODY_BYTES } from '../../shared/report/handle-report';
import { createReportFunction, type ReportHost } from '../../shared/report/report-function';

/**
 * A fresh instance of the receipts function, on the host's clock and log (the VMS API stand-in's, which
 * pushes the receipts of the calls it plays): its own duplicate check.
 */
export const createHandler = (host?: ReportHost) => createReportFunction('report', host);

/** FC 3.0 event handler (`index.handler`) for call-record receipts pushed over HTTP. */
export const handler = createHandler();

/** The largest body the handler takes: the custom runtime's server reads no more (server.js). */
export const maxBodyBytes = MAX_REPORT_BODY_BYTES;
