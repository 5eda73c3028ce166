/**
 * The bounds and defaults of a `classifier`'s numbers: the rules schema's, and the budget guard's defaults.
 * A module of their own, so that a function bundle reads them without building the rules schema.
 */
export const CLASSIFIER_LIMITS = {
  waitMs: { default: 700, min: 100, max: 3000 },
  maxTokens: { default: 40, min: 10, max: 200 },
  maxBytes: { default: 16_384, min: 1024, max: 65_536 },
  latencyP95Ms: { default: 500, min: 100, max: 10_000 },
  window: { default: 20, min: 5, max: 200 },
  minSamples: { default: 5, min: 1, max: 200 },
  cooldownS: { default: 60, min: 5, max: 3600 },
} as const;
