/**
 * The worst case of a receipt push: the platform wants its acknowledgement within 700 ms, whatever a
 * push holds. Hostile pushes of 1 MB (the largest the function reads) go through a fresh instance of the
 * built report bundle, in-process, and the slowest acknowledgement, wall time, is the figure.
 */
import { buildFcEvent, loadBuiltHandler, setFunctionEnvironment } from '../../dev/fc-event';
import { routeFunctionLogs } from '../../dev/function-logs';
import type { Row } from './common';

/** What the platform allows before it counts a push as failed and sends it again. */
const ACK_TARGET_MS = 700;
const MAX_BODY = 1024 * 1024 - 16;

/** A JSON array of `item` repeated to just under 1 MB. */
function fill(item: string): string {
  const count = Math.floor((MAX_BODY - 2) / (item.length + 1));
  return `[${Array(count).fill(item).join(',')}]`;
}

const RECORD = JSON.stringify({
  call_id: '130301340124^117079730123',
  caller: '13800138000',
  callee: '05923391657',
  status_code: '200000',
  start_time: '2026-11-30 10:00:00',
  end_time: '2026-11-30 10:01:00',
  duration: '60',
  out_id: 'order-13912345678',
});

const PUSHES: Readonly<Record<string, string>> = {
  'a million-element array of zeros': fill('0'),
  'empty objects': fill('{}'),
  'valid records': fill(RECORD),
  'records with unknown fields': fill('{"call_id":"1^2","x":[1,2,3],"y":{"z":"13800138000"}}'),
};

export async function measureReceipts(dist: string, runs: number): Promise<Row> {
  // The lines the function logs are built, their writes dropped.
  const restore = routeFunctionLogs(() => undefined);
  const worst = { ms: 0, push: '' };
  // The function's defaults, whatever this shell sets (a CALLBACK_SECRETS would refuse every push).
  setFunctionEnvironment();
  try {
    for (const [name, body] of Object.entries(PUSHES)) {
      for (let run = 0; run < runs; run++) {
        // A fresh instance each time: the first push of an instance is the slowest.
        const handler = loadBuiltHandler('report', dist);
        const event = buildFcEvent({ headers: { 'Content-Type': 'application/json' }, body });
        const started = performance.now();
        const result = await handler(event);
        const ms = performance.now() - started;
        if (result.statusCode !== 200) throw new Error(`${name}: HTTP ${result.statusCode}`);
        if (ms > worst.ms) Object.assign(worst, { ms, push: name });
      }
    }
  } finally {
    restore();
  }
  return {
    figure: 'receipts: worst acknowledgement, 1 MB pushes',
    value: `${worst.ms.toFixed(0)} ms`,
    target: `< ${ACK_TARGET_MS} ms`,
    pass: worst.ms < ACK_TARGET_MS,
    detail: `wall time, fresh report instance each time; worst: ${worst.push} (${Object.keys(PUSHES).length} kinds × ${runs} runs)`,
  };
}
