/**
 * Text from outside (a log export, a function's reply, a scenario file) made safe to print: every control
 * character — C0 (newlines and tabs too), DEL and C1 — is dropped, so that no escape sequence, terminal
 * title change or made-up line reaches the terminal. Everything the simulator prints of such text goes
 * through here.
 */
import type { TurnOutcome } from './call';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is dropped
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` without its control characters. */
export function printable(text: string): string {
  return text.replace(CONTROL, '');
}

/** A turn's outcome with every text a function or its log line wrote made printable. */
export function printableOutcome(outcome: TurnOutcome): TurnOutcome {
  const log = outcome.log;
  const clean = (text: string | undefined) => (text === undefined ? undefined : printable(text));
  return {
    ...outcome,
    problem: clean(outcome.problem),
    texts: outcome.texts.map(printable),
    audio: outcome.audio.map(printable),
    transferTo: clean(outcome.transferTo),
    keys: outcome.keys === undefined ? undefined : { ...outcome.keys, endKey: clean(outcome.keys.endKey) },
    log:
      log === undefined
        ? undefined
        : {
            ...log,
            flow: clean(log.flow),
            node: clean(log.node),
            tag: clean(log.tag),
            nodeBefore: clean(log.nodeBefore),
            flowBefore: clean(log.flowBefore),
            line: clean(log.line),
            matched: clean(log.matched),
            trace: log.trace.map(printable),
            outcomes: log.outcomes.map(printable),
            lookups: log.lookups.map((lookup) => ({
              ...lookup,
              use: printable(lookup.use),
              why: clean(lookup.why),
              values:
                lookup.values === undefined
                  ? undefined
                  : Object.fromEntries(
                      Object.entries(lookup.values).map(([name, value]) => [
                        printable(name),
                        printable(value),
                      ]),
                    ),
            })),
            classified:
              log.classified === undefined
                ? undefined
                : { ...log.classified, choice: clean(log.classified.choice), why: clean(log.classified.why) },
          },
    lookupReport:
      outcome.lookupReport === undefined
        ? undefined
        : { ...outcome.lookupReport, notes: outcome.lookupReport.notes.map(printable) },
    classifyReport:
      outcome.classifyReport === undefined
        ? undefined
        : { ...outcome.classifyReport, notes: outcome.classifyReport.notes.map(printable) },
  };
}
