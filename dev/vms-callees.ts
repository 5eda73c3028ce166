/**
 * Who answers the calls the VMS API stand-in places (dev/vms-api-server.ts): a profile of behaviours
 * (YAML or JSON, `examples/appointment-reminder.callees.yaml`), each a callee's way of taking the call —
 * not answering, busy, or answering and then saying, pressing or keeping silent — with a weight, and what
 * the flow should make of it. Each number gets one behaviour, by a seeded hash of the number (the same
 * number, the same behaviour, in every run and after a restart), unless the profile names the number.
 */
import * as v from 'valibot';
import { CALLED_NUMBER_PATTERN } from '../shared/campaign/smartcall';
import { seededRandom, seedOf } from './seeded-random';

/** The most events one behaviour has: a reminder is a few turns, and a call has at most 3600 s. */
export const MAX_CALLEE_EVENTS = 32;
/** The most behaviours and named numbers a profile has. */
export const MAX_BEHAVIOURS = 64;
export const MAX_NAMED_NUMBERS = 10_000;

const EVENT_KINDS = ['say', 'press', 'silent', 'hangup'] as const;

/**
 * One thing the callee does once the call is answered: says words (a `normal` event), presses keys (a
 * `dtmf` event), keeps silent until the platform sends `mute`, or hangs up (no event: the call ends).
 */
export const CalleeEventSchema = v.pipe(
  v.strictObject({
    say: v.optional(
      v.pipe(v.string(), v.minLength(1, 'words to say'), v.maxLength(200, 'at most 200 characters')),
    ),
    press: v.optional(v.pipe(v.string(), v.regex(/^[0-9*#]{1,32}$/, 'keys: 1 to 32 of 0-9, * and #'))),
    silent: v.optional(v.literal(true, 'silent: true')),
    hangup: v.optional(v.literal(true, 'hangup: true')),
  }),
  v.check(
    (event) => EVENT_KINDS.filter((kind) => event[kind] !== undefined).length === 1,
    'an event is one of {say: WORDS}, {press: KEYS}, {silent: true} or {hangup: true}',
  ),
);
export type CalleeEvent = v.InferOutput<typeof CalleeEventSchema>;

const NodeName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a node name'));

const EndedAs = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9-]{0,31}$/, 'a word of `npm run outcomes`: confirmed, no-answer'),
);

/**
 * What the call should come to: the node the flow ends in (or one of several), and the word `npm run
 * outcomes` should give its row (`endedAs`: the node's outcome tag, `no-answer`, `busy`, `hung-up`…), so
 * that a campaign's outcomes table can be checked against what the callees did.
 */
const ExpectSchema = v.strictObject({
  node: v.optional(
    v.union(
      [NodeName, v.pipe(v.array(NodeName), v.minLength(1), v.maxLength(8))],
      'a node name, or a list of the nodes the call may end in',
    ),
  ),
  endedAs: v.optional(
    v.union(
      [EndedAs, v.pipe(v.array(EndedAs), v.minLength(1), v.maxLength(8))],
      'a word of npm run outcomes, or a list of the words the row may end as',
    ),
  ),
});

export const CalleeBehaviourSchema = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,40}$/, 'a name: 1–40 letters, digits, "_" or "-"')),
    weight: v.pipe(v.number(), v.finite(), v.minValue(0, 'a weight is 0 or more')),
    answer: v.optional(v.boolean(), true),
    busy: v.optional(v.literal(true, 'busy: true (or leave it out)')),
    events: v.optional(v.pipe(v.array(CalleeEventSchema), v.maxLength(MAX_CALLEE_EVENTS)), []),
    expect: v.optional(ExpectSchema, {}),
  }),
  v.check(
    (behaviour) => !(behaviour.busy === true && behaviour.answer),
    'a busy line is not answered: add answer: false',
  ),
  v.check(
    (behaviour) => behaviour.answer || behaviour.events.length === 0,
    'a call not answered has no events: drop them, or answer: true',
  ),
);
export type CalleeBehaviour = v.InferOutput<typeof CalleeBehaviourSchema>;

export const CalleeProfileSchema = v.pipe(
  v.strictObject({
    seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)), 1),
    behaviours: v.pipe(
      v.array(CalleeBehaviourSchema),
      v.minLength(1, 'at least one behaviour'),
      v.maxLength(MAX_BEHAVIOURS),
      v.check(
        (behaviours) => new Set(behaviours.map((behaviour) => behaviour.name)).size === behaviours.length,
        'each behaviour has a name of its own',
      ),
      v.check(
        (behaviours) => behaviours.some((behaviour) => behaviour.weight > 0),
        'at least one behaviour weighs more than 0',
      ),
    ),
    numbers: v.optional(
      v.pipe(
        v.record(
          v.pipe(v.string(), v.regex(CALLED_NUMBER_PATTERN, 'a number SmartCall can call')),
          v.string(),
        ),
        v.check(
          (numbers) => Object.keys(numbers).length <= MAX_NAMED_NUMBERS,
          `at most ${MAX_NAMED_NUMBERS} numbers`,
        ),
      ),
      {},
    ),
  }),
  v.forward(
    v.check((profile) => {
      const names = new Set(profile.behaviours.map((behaviour) => behaviour.name));
      return Object.values(profile.numbers).every((name) => names.has(name));
    }, 'each number names one of the behaviours'),
    ['numbers'],
  ),
);
export type CalleeProfile = v.InferOutput<typeof CalleeProfileSchema>;
/** A profile as written (weights, defaults left out). */
export type CalleeProfileInput = v.InferInput<typeof CalleeProfileSchema>;

/** A profile, or one line per mistake (`behaviours.2.events.0: …`). */
export function parseCalleeProfile(
  document: unknown,
):
  | { readonly ok: true; readonly profile: CalleeProfile }
  | { readonly ok: false; readonly errors: string[] } {
  const parsed = v.safeParse(CalleeProfileSchema, document);
  if (parsed.success) return { ok: true, profile: parsed.output };
  return {
    ok: false,
    errors: parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(profile)'}: ${issue.message}`),
  };
}

/**
 * The behaviour of the callee at `number`: the one the profile names for it, else one drawn by weight
 * from a hash of the profile's seed and the number.
 */
export function chooseBehaviour(profile: CalleeProfile, number: string): CalleeBehaviour {
  const named = profile.numbers[number];
  const byName = profile.behaviours.find((behaviour) => behaviour.name === named);
  if (byName !== undefined) return byName;
  const total = profile.behaviours.reduce((sum, behaviour) => sum + behaviour.weight, 0);
  let left = seededRandom(seedOf(profile.seed, number))() * total;
  for (const behaviour of profile.behaviours) {
    left -= behaviour.weight;
    if (left < 0 && behaviour.weight > 0) return behaviour;
  }
  // Rounding left a sliver past the last weight: the last behaviour that weighs anything.
  return (
    profile.behaviours.findLast((behaviour) => behaviour.weight > 0) ??
    (profile.behaviours[0] as CalleeBehaviour)
  );
}

/** The words `npm run outcomes` may give a behaviour's row (none: it expects none). */
export function expectedEndings(behaviour: CalleeBehaviour): readonly string[] {
  const endedAs = behaviour.expect.endedAs;
  return endedAs === undefined ? [] : typeof endedAs === 'string' ? [endedAs] : endedAs;
}

/** The nodes a behaviour expects the call to end in (none: it expects no node). */
export function expectedNodes(behaviour: CalleeBehaviour): readonly string[] {
  const node = behaviour.expect.node;
  return node === undefined ? [] : typeof node === 'string' ? [node] : node;
}
