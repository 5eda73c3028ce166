'use strict';
/**
 * The inbound bundle with every classification answered at once, in this process: its `createHandler`
 * given a host whose `classify` returns a verdict without asking anyone (FunctionHost.classify). What a
 * callback that asks the language model costs this side of the network: the engine's pause, the request
 * built (choices, the utterance masked, the prompt's JSON is not: the client builds it), the resume with
 * the verdict and what it leads to. Run by scripts/bench/warm-child.cjs exactly as the bundles are.
 *
 *   BENCH_BUNDLE (the bundle's index.js), BENCH_CHOICE (the choice the verdict names, when offered; none)
 */

/** Verdicts naming `choice` at 0.95 when the menu offers it, else none; no time, no tokens spent. */
exports.answerWith = (choice) => async (task) => {
  const offered = task.request.choices.some(({ id }) => id === choice);
  return { type: 'classify', kind: 'classified', choice: offered ? choice : 'none', confidence: 0.95, ms: 0 };
};

let handler;
/** The instance, built on the first event (the bundle reads its environment then, as FC's does). */
exports.handler = (event, context) => {
  if (handler === undefined) {
    const verdicts = exports.answerWith(process.env.BENCH_CHOICE);
    handler = require(process.env.BENCH_BUNDLE).createHandler({ classify: () => verdicts });
  }
  return handler(event, context);
};
