/**
 * How long a sealed DynamicId (outbound-id.ts) is accepted, as its senders write it: a lifetime (`90s`,
 * `30m`, `2h`, `7d`) or, for `npm run outbound-id`, a time with its offset. One reading for the commands
 * that seal one (`outbound-id`, `call`), so that both take the same words and the same bound.
 */

/**
 * The longest lifetime sealed: until it expires, a DynamicId can start its flow with its values on any
 * outbound call of the account, so a long-lived one is a standing permission; a month covers any campaign.
 */
export const MAX_OUTBOUND_LIFETIME_S = 31 * 24 * 3600;

const UNIT_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A lifetime written `90s`, `30m`, `2h` or `7d`, in seconds; undefined when it is not written so. */
export function readLifetime(written: string): number | undefined {
  const lifetime = /^(\d{1,7})([smhd])$/.exec(written);
  if (lifetime === null) return undefined;
  return Number(lifetime[1]) * UNIT_S[lifetime[2] as keyof typeof UNIT_S];
}

/**
 * `--expires` (or a file's `expires`) as a lifetime in seconds, at most {@link MAX_OUTBOUND_LIFETIME_S};
 * the first problem as a message otherwise, naming `option`.
 */
export function readLifetimeOption(written: string, option = '--expires'): number | string {
  const seconds = readLifetime(written);
  if (seconds === undefined) return `${option} takes a lifetime such as 90s, 30m, 2h or 7d, not ${written}`;
  if (seconds <= 0) return `${option} ${written} is no lifetime`;
  if (seconds > MAX_OUTBOUND_LIFETIME_S) return `${option} ${written} is more than 31 days`;
  return seconds;
}

/**
 * `--expires` as epoch seconds: a lifetime from `nowMs`, or a time written with its offset; `defaultS`
 * from `nowMs` when it is not given. The first problem as a message otherwise.
 */
export function readExpiry(written: string | undefined, nowMs: number, defaultS: number): number | string {
  const nowS = Math.floor(nowMs / 1000);
  if (written === undefined) return nowS + defaultS;
  const lifetime = readLifetime(written);
  let expiresAtS: number;
  if (lifetime !== undefined) {
    expiresAtS = nowS + lifetime;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(written)) {
    const ms = Date.parse(written);
    if (Number.isNaN(ms)) return `--expires ${written} is no time`;
    expiresAtS = Math.floor(ms / 1000);
  } else {
    return `--expires takes a lifetime such as 2h or a time with its offset such as 2026-11-23T18:00+08:00, not ${written}`;
  }
  if (expiresAtS <= nowS) return `--expires ${written} is not in the future`;
  if (expiresAtS - nowS > MAX_OUTBOUND_LIFETIME_S) return `--expires ${written} is more than 31 days away`;
  return expiresAtS;
}
