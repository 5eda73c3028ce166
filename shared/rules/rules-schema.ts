import * as v from 'valibot';
import { AudioCodeSchema, CallSettingsSchema, PhoneNumberSchema } from '../protocol/reply';

/**
 * The rules document: which flow each service number gets and what each flow does. It is the product's
 * interface for users, so every part is strict (an unknown key is an error) and every message says
 * what to write instead. Cross-references (flow and node names) are checked in `compileRules`.
 */

/** Flow and node names travel in `dynamic_id`, so they are short and URL-safe. */
export const NameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a name is a letter then up to 31 letters, digits, "_" or "-"'),
);

/** One spoken item: plain TTS text, `{tts}` or `{audio}` (an audio file code uploaded in the console). */
const PromptItemSchema = v.union(
  [
    v.pipe(v.string(), v.minLength(1, 'a prompt text is empty')),
    v.strictObject({ tts: v.pipe(v.string(), v.minLength(1, 'a prompt text is empty')) }),
    v.strictObject({ audio: AudioCodeSchema }),
  ],
  'a prompt is a text, {tts: text} or {audio: code}',
);

/** What a node says: one item or several played in sequence. */
export const PromptSchema = v.union([PromptItemSchema, v.pipe(v.array(PromptItemSchema), v.minLength(1))]);
export type Prompt = v.InferOutput<typeof PromptSchema>;

/** What to do when the caller says nothing, or nothing the node understands. */
export const RetryPolicySchema = v.strictObject({
  /** How many times the node is asked again before escalating. */
  retries: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9)),
  /** Said before the node's own prompt on each retry, in turn (the last one repeats). */
  say: v.optional(v.pipe(v.array(PromptSchema), v.minLength(1))),
  /** Where to go when the retries are used up; without it, the call ends with the flow's goodbye. */
  escalateTo: v.optional(NameSchema),
});
export type RetryPolicy = v.InferOutput<typeof RetryPolicySchema>;

const KeySchema = v.pipe(v.string(), v.regex(/^[0-9*#]$/, 'a menu key is one of 0–9, * or #'));

const IntentSchema = v.strictObject({
  /** A name for logs and traces. */
  name: v.optional(NameSchema),
  /** Matched when the recognised words contain any of these (after normalisation). */
  keywords: v.pipe(v.array(v.pipe(v.string(), v.trim(), v.minLength(1))), v.minLength(1)),
  goto: NameSchema,
});

const SayNodeSchema = v.strictObject({
  type: v.literal('say'),
  say: PromptSchema,
  /** The next node; its prompt is played right after this one, in the same reply. */
  next: NameSchema,
});

const MenuNodeSchema = v.strictObject({
  type: v.literal('menu'),
  say: PromptSchema,
  /** Single keys and where they lead. A spoken digit ("一", "2") also selects a key. */
  keys: v.optional(v.record(KeySchema, NameSchema)),
  /** Spoken choices, tried in order after the keys. */
  intents: v.optional(v.array(IntentSchema)),
  /** Seconds to wait for a key (3–60). */
  keyTimeoutS: v.optional(v.pipe(v.number(), v.integer(), v.minValue(3), v.maxValue(60))),
  noInput: v.optional(RetryPolicySchema),
  noMatch: v.optional(RetryPolicySchema),
  /** Overrides the call's barge-in setting for this prompt. */
  bargeIn: v.optional(v.boolean()),
});

const TransferNodeSchema = v.strictObject({
  type: v.literal('transfer'),
  /** Played while the transfer starts ("please hold"). */
  say: v.optional(PromptSchema),
  to: PhoneNumberSchema,
});

const HangupNodeSchema = v.strictObject({
  type: v.literal('hangup'),
  /** The goodbye; the call ends on the next event so that it is heard in full. */
  say: v.optional(PromptSchema),
});

export const NodeSchema = v.variant('type', [
  SayNodeSchema,
  MenuNodeSchema,
  TransferNodeSchema,
  HangupNodeSchema,
]);
export type FlowNode = v.InferOutput<typeof NodeSchema>;
export type MenuNode = v.InferOutput<typeof MenuNodeSchema>;

export const FlowSchema = v.strictObject({
  start: NameSchema,
  /** Settings for calls in this flow, over the document's. */
  settings: v.optional(CallSettingsSchema),
  /** Defaults for nodes that set no policy of their own. */
  noInput: v.optional(RetryPolicySchema),
  noMatch: v.optional(RetryPolicySchema),
  /** Said when the flow ends a call itself (retries used up, guard reached). */
  goodbye: v.optional(PromptSchema),
  /** A call that has had this many caller turns is ended politely. */
  maxTurns: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
  nodes: v.record(NameSchema, NodeSchema),
});
export type Flow = v.InferOutput<typeof FlowSchema>;

/** A number as people write it; spaces, dashes and brackets are ignored when routing. */
const ServiceNumberSchema = v.pipe(
  v.string(),
  v.regex(
    /^\+?[0-9][0-9 ()-]{2,30}$/,
    'a service number is digits, optionally with +, spaces, dashes or brackets',
  ),
);

const LineSchema = v.strictObject({
  name: NameSchema,
  /** Service numbers (callee) routed to this line: `05923391657`, `+86 592 3391657`, `400-800-1234`. */
  numbers: v.pipe(v.array(ServiceNumberSchema), v.minLength(1)),
  flow: NameSchema,
  settings: v.optional(CallSettingsSchema),
});
export type Line = v.InferOutput<typeof LineSchema>;

export const RulesSchema = v.strictObject({
  /** Shown in status and logs, and kept in each call's state so a reload never confuses a live call. */
  version: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** Call settings for every call, under line and flow settings. */
  settings: v.optional(CallSettingsSchema),
  lines: v.optional(v.array(LineSchema)),
  /** The line for any number not listed, and for calls whose state was lost. */
  defaultLine: v.strictObject({ flow: NameSchema, settings: v.optional(CallSettingsSchema) }),
  /** Outbound (SmartCall) calls whose DynamicId names no flow start here. */
  outbound: v.optional(v.strictObject({ defaultFlow: NameSchema })),
  /** Said before restarting the default flow when a call's state is missing or unreadable. */
  recovery: v.optional(PromptSchema),
  /** What any call gets when something goes wrong inside: an apology, then transfer or hang up. */
  fallback: v.optional(v.strictObject({ say: PromptSchema, transferTo: v.optional(PhoneNumberSchema) })),
  flows: v.record(NameSchema, FlowSchema),
});
export type Rules = v.InferOutput<typeof RulesSchema>;
