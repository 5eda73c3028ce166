/**
 * The clock a campaign runs on (`npm run call`, and the VMS API stand-in that plays its calls): the time,
 * and a pause. dev/campaign-clock.ts has the real one, and one started at another instant (`--now`); a
 * test passes one of its own, whose pauses take no real time.
 */
export type CampaignClock = {
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Resolves once `ms` have passed on this clock, or at once when `signal` aborts; never rejects. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};
