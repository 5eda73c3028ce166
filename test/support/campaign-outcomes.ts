/**
 * A small campaign of examples/appointment-reminder.yaml and what it left behind, for the outcomes join and
 * its command: the results file's lines (as `npm run call` writes them), the receipts (raw, as the platform
 * pushes them, and as the `report` function logs them), and the callback log lines the real `outbound`
 * bundle wrote while the calls were played through it (the simulator's in-process transport, on its clock).
 *
 * Rows, by how they end:
 *  1 confirms by voice, then the flow hangs up            5 never answers (NO_ANSWER)
 *  2 cancels by key, hangs up during the goodbye          6 busy (USER_BUSY)
 *  3 asks for a new time in desk hours: transferred       7 uncertain, placed (its receipt and calls show it)
 *  4 hangs up while asked again (the callee)              8 uncertain, in no receipt
 *  9 refused, 10 do-not-call, 11 invalid, 12 never sent (pending)
 */
import { join } from 'node:path';
import { type CallerAction, SimulatedCall } from '../../dev/simulator/call';
import { createInProcessTransport } from '../../dev/simulator/transport';
import { outIdOf as outIdOfCode, type ResultsLine } from '../../shared/campaign/results';
import { createLogger } from '../../shared/log/logger';
import { classifyReceipt } from '../../shared/protocol/receipt-type';
import { toReceiptLogFields } from '../../shared/report/receipt';
import { ROOT } from './fc-event';

export const CODE = 'k3x9q2';
export const CALLEE = '13800138000';
export const MASKED_CALLEE = '138****8000';
const SHOW_NUMBER = '05925550000';
/** 2026-03-10 10:00 in Shanghai: the desk is open. */
const START = Date.parse('2026-03-10T02:00:00.000Z');

const callIdOf = (row: number) =>
  `1303013401${String(row).padStart(2, '0')}^1170797301${String(row).padStart(2, '0')}`;
const outIdOf = (row: number) => outIdOfCode(CODE, row);
const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();

/** What each answered row's callee does, turn by turn. */
const PLAYED: Readonly<Record<number, readonly CallerAction[]>> = {
  1: [{ kind: 'say', words: '好的，我会准时到' }, { kind: 'silence' }],
  2: [{ kind: 'silence' }, { kind: 'keys', keys: '2' }],
  3: [{ kind: 'say', words: '能不能改到下周三' }],
  4: [{ kind: 'silence' }],
  7: [{ kind: 'keys', keys: '1' }],
};

/**
 * Ids of the input the CSV must quote, and one a careless input gave as a phone number (the results file
 * keeps the input's id as written: whatever prints it masks it).
 */
const ID_OF: Readonly<Record<number, string>> = { 5: '13900139000', 6: 'p-6, "busy line"' };

export type CampaignFixture = {
  readonly results: readonly string[];
  /** The `report` function's log lines of the receipts. */
  readonly receiptLog: readonly string[];
  /** The receipts as raw records (a push's array), with their numbers unmasked, as the platform sends them. */
  readonly rawReceipts: readonly Record<string, unknown>[];
  /** The `outbound` function's log lines of the played calls (callback lines and others). */
  readonly callbackLog: readonly string[];
  readonly callIdOf: (row: number) => string;
};

let built: Promise<CampaignFixture> | undefined;

/** The campaign, played once per process through the built bundles (npm run build first). */
export function campaignFixture(): Promise<CampaignFixture> {
  built ??= buildFixture();
  return built;
}

async function buildFixture(): Promise<CampaignFixture> {
  const transport = await createInProcessTransport(join(ROOT, 'examples', 'appointment-reminder.yaml'));
  const callbackLog: string[] = [];
  for (const [row, actions] of Object.entries(PLAYED)) {
    const call = new SimulatedCall(transport, 'outbound', callIdOf(Number(row)), 'remind');
    for (const [turn, action] of actions.entries()) {
      const outcome = await call.act(action, START + Number(row) * 60_000 + turn * 5000);
      if (outcome.log !== undefined) callbackLog.push(JSON.stringify(outcome.log.raw));
    }
  }
  const results: ResultsLine[] = [
    { kind: 'campaign', format: 1, code: CODE, created: at(0), input: 'patients.csv', rows: 12 },
  ];
  const placed = (row: number) =>
    results.push(
      { kind: 'sending', row, outId: outIdOf(row), at: at(row), attempt: 1 },
      {
        kind: 'result',
        row,
        outId: outIdOf(row),
        at: at(row),
        status: 'placed',
        id: ID_OF[row] ?? `p-${row}`,
        number: MASKED_CALLEE,
        callId: callIdOf(row),
      },
    );
  for (const row of [1, 2, 3, 4, 5, 6]) placed(row);
  results.push({ kind: 'sending', row: 7, outId: outIdOf(7), at: at(7), attempt: 1 });
  results.push({
    kind: 'result',
    row: 8,
    outId: outIdOf(8),
    at: at(8),
    status: 'uncertain',
    id: 'p-8',
    number: MASKED_CALLEE,
    why: 'timeout after the request was written',
  });
  for (const [row, status] of [
    [9, 'refused'],
    [10, 'do-not-call'],
    [11, 'invalid'],
  ] as const)
    results.push({ kind: 'result', row, outId: outIdOf(row), at: at(row), status, id: `p-${row}` });

  const receipt = (row: number, fields: Record<string, unknown>) => ({
    call_id: callIdOf(row),
    start_time: `2026-03-10 10:${String(row).padStart(2, '0')}:00`,
    out_id: outIdOf(row),
    caller: SHOW_NUMBER,
    callee: CALLEE,
    ...fields,
  });
  const answered = (row: number, duration: number, direction: string) =>
    receipt(row, {
      duration: String(duration),
      status_code: '200000',
      smart_status_code: 'ANSWERED',
      status_msg: '用户接听',
      hangup_direction: direction,
    });
  const rawReceipts = [
    answered(1, 25, '2'),
    answered(2, 18, '1'),
    answered(3, 40, '1'),
    answered(4, 9, '1'),
    receipt(5, { duration: 0, status_code: 200005, smart_status_code: 'NO_ANSWER' }),
    receipt(6, { duration: '0', status_code: '200002', smart_status_code: 'USER_BUSY' }),
    answered(7, 12, '2'),
    // Another campaign's call, and a record of some other system's.
    { ...answered(1, 30, '1'), call_id: '130301349999^117079739999', out_id: 'zzzzzzr1' },
    { ...answered(1, 30, '1'), call_id: '130301349998^117079739998', out_id: 'order-42' },
  ];
  const lines: string[] = [];
  const log = createLogger(
    (line) => lines.push(line),
    'info',
    {},
    () => START + 3_600_000,
  );
  for (const record of rawReceipts)
    log.info('receipt', {
      fn: 'report',
      receiptType: classifyReceipt(record),
      ...toReceiptLogFields(record),
    });
  return {
    results: results.map((line) => JSON.stringify(line)),
    receiptLog: lines,
    rawReceipts,
    callbackLog,
    callIdOf,
  };
}
