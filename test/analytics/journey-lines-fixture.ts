/**
 * Log lines as the functions write them, for the analytics tests: a callback line of a call at some
 * seconds after {@link T0}, the report function's line of a receipt, and the common steps of the bank
 * example's main menu.
 */
export const T0 = Date.parse('2026-03-10T02:00:00Z'); // 10:00 in Shanghai, a Tuesday

/** A callback line as the functions write it: the fields given, on a call, `s` seconds after T0. */
export function callback(callId: string, s: number, fields: Record<string, unknown>): string {
  return JSON.stringify({
    level: 'info',
    msg: 'callback',
    time: new Date(T0 + s * 1000).toISOString(),
    fn: 'inbound',
    callId,
    rulesVersion: 'v1',
    ...fields,
  });
}

export function receipt(callId: string, direction: string, endS: number): string {
  const end = new Date(T0 + endS * 1000 + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
  return JSON.stringify({
    level: 'info',
    msg: 'receipt',
    time: new Date(T0 + (endS + 5) * 1000).toISOString(),
    fn: 'report',
    receiptType: 'VoiceReport',
    call_id: callId,
    end_time: end,
    hangup_direction: direction,
  });
}

export const callin = (callId: string, s = 0, trace: string[] = []) =>
  callback(callId, s, {
    type: 'callin',
    line: 'service',
    flow: 'main',
    node: 'menu',
    outcomes: ['started', 'entered'],
    action: 'answer',
    trace: [
      'line service (by number dialled) → flow main',
      ...trace,
      'enter greeting (split)',
      'enter menu (menu)',
    ],
  });
export const armKeys = (callId: string, s: number) =>
  callback(callId, s, {
    type: 'mute',
    flow: 'main',
    nodeBefore: 'menu',
    node: 'menu',
    outcomes: ['key-arming'],
    action: 'dtmf',
    trace: ['first silence → arm keys', 'enter menu (menu)'],
  });
export const noMatch = (callId: string, s: number, words: string, retry: number) =>
  callback(callId, s, {
    type: 'normal',
    words,
    flow: 'main',
    nodeBefore: 'menu',
    node: 'menu',
    retries: { noInput: 0, noMatch: retry },
    outcomes: ['no-match'],
    action: 'dtmf',
    trace: [`utterance matched nothing → noMatch retry ${retry}/2`, 'enter menu (menu)'],
  });
