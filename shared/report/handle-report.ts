import * as v from 'valibot';
import type { Config } from '../config/config';
import type { RecentKeys } from '../gate/recent-keys';
import { describeOpenEndpoint, guardRequest, rejectRequest } from '../gate/request-gate';
import type { Logger } from '../log/logger';
import { type HttpRequest, type HttpResponse, respondJson } from '../protocol/http';
import { classifyReceipt } from '../protocol/receipt-type';
import { ConsoleTestSchema, ReceiptRecordSchema, toReceiptLogFields } from './receipt';

/** Receipt batches are larger than callbacks: many records per push. */
export const MAX_REPORT_BODY_BYTES = 1024 * 1024;

/** What an open receipts endpoint lets anyone do. */
const OPEN_RISK = 'post receipts';

/**
 * Records read from one push. The platform's batches are small; a larger one is junk or an attack, and
 * reading it whole would outlast the 700 ms in which the platform wants its acknowledgement.
 */
export const MAX_RECEIPTS_PER_BATCH = 1000;

/** Lines about skipped records in one push; the batch summary counts the rest. */
const MAX_SKIP_LINES = 20;

/** The only reply the platform accepts (it checks that `code` is a number); anything else is retried. */
export const RECEIVED = { code: 0, msg: '接收成功' } as const;

export type ReportDeps = {
  readonly functionName: string;
  readonly buildVersion: string;
  readonly getConfig: () => Config;
  /** The accepted secrets, readable even when the rest of the environment is not. */
  readonly getCallbackSecrets: () => readonly string[];
  readonly log: Logger;
  readonly recent: RecentKeys;
};

/**
 * Answers a receipt push: each record is checked and written as one JSON log line (phone numbers
 * masked); a bad record is logged and skipped, never failing the batch. Replies within the platform's
 * 700 ms because it does nothing but parse and log.
 */
export async function handleReportRequest(request: HttpRequest, deps: ReportDeps): Promise<HttpResponse> {
  const { log } = deps;
  let configOk = true;
  try {
    deps.getConfig();
  } catch (error) {
    // Receipts need nothing else from the environment: they are still taken, and the problem is said once.
    configOk = false;
    log.warnOnce(
      'bad-config',
      'configuration is invalid; receipts are still accepted',
      log.describeError(error),
    );
  }
  const secrets = deps.getCallbackSecrets();
  const gated = await guardRequest(request, {
    functionName: deps.functionName,
    secrets,
    maxBodyBytes: MAX_REPORT_BODY_BYTES,
    takes: 'receipts',
    openRisk: OPEN_RISK,
    status: () => ({
      function: deps.functionName,
      build: deps.buildVersion,
      ok: configOk,
      warnings: [
        ...(configOk
          ? []
          : [{ kind: 'config', message: 'the environment is invalid; the log names the variable' }]),
        ...(secrets.length === 0 ? [{ kind: 'config', message: describeOpenEndpoint(OPEN_RISK) }] : []),
      ],
    }),
    log,
  });
  if (gated !== undefined) return gated;
  const reject = (status: number, reason: string) =>
    rejectRequest(request, { functionName: deps.functionName, log }, status, reason);

  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return reject(400, 'not a receipt push: body is not JSON');
  }
  if (v.is(ConsoleTestSchema, body)) {
    log.info('receipt test push from the console');
    return respondJson(200, RECEIVED);
  }
  if (body === null || typeof body !== 'object') {
    return reject(400, 'not a receipt push: expected a JSON array of records');
  }
  // A lone object is taken as a batch of one: hand-made pushes and some console pages send that.
  const all: unknown[] = Array.isArray(body) ? body : [body];
  // Bounded work whatever the batch: at most MAX_RECEIPTS_PER_BATCH records read, and at most
  // MAX_SKIP_LINES lines about bad ones, so that junk is acknowledged in time and costs a few log lines.
  const records = all.length > MAX_RECEIPTS_PER_BATCH ? all.slice(0, MAX_RECEIPTS_PER_BATCH) : all;
  let accepted = 0;
  let skipped = 0;
  records.forEach((record, index) => {
    const checked = v.safeParse(ReceiptRecordSchema, record);
    if (!checked.success) {
      skipped++;
      if (skipped <= MAX_SKIP_LINES) {
        // What was expected where, never the value received: a record can hold anyone's number.
        const issue = checked.issues[0];
        const where = v.getDotPath(issue) ?? 'record';
        log.warn('receipt record skipped', {
          fn: deps.functionName,
          index,
          reason: `${where}: expected ${issue.expected ?? 'a receipt record'}`,
        });
      }
      return;
    }
    const fields = toReceiptLogFields(checked.output);
    const type = classifyReceipt(checked.output);
    const key = `${type}|${fields.call_id}|${fields.status_code ?? ''}|${fields.status_time ?? ''}|${fields.record_file ?? ''}`;
    log.info('receipt', {
      fn: deps.functionName,
      receiptType: type,
      ...fields,
      ...(deps.recent.hasSeen(key) ? { duplicate: true } : {}),
    });
    accepted++;
  });
  if (accepted < all.length) {
    log.warn('receipt batch had bad records', {
      fn: deps.functionName,
      accepted,
      skipped,
      total: all.length,
      ...(all.length > records.length ? { unread: all.length - records.length } : {}),
    });
  }
  return respondJson(200, RECEIVED);
}
