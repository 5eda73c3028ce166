import { createReportFunction } from '../../shared/report/report-function';

/** FC 3.0 event handler (`index.handler`) for call-record receipts pushed over HTTP. */
export const handler = createReportFunction('report');
