import * as v from 'valibot';
import { mergeSettings } from '../protocol/call-settings';
import { mayStartOutbound, refuseOutboundValue } from '../rules/outbound-start';
import type { Rules } from '../rules/rules-schema';
import { readLifetimeOption } from '../state/outbound-expiry';
import { MAX_OUTBOUND_VARS_BYTES, measureOutboundId, OutboundIdContentSchema } from '../state/outbound-id';
import { NameSchema } from '../text/name';
import { type CampaignRow, checkParamName, TTS_NAME_PATTERN } from './campaign-list';
import { outIdOf } from './results';
import { checkSmartCallParams, SMARTCALL_API, smartCallSettingsFrom } from './smartcall';

/**
 * What a campaign sends, from four layers, each over the one before: the rules document (its `outbound`
 * show number, voice code, calendar and default flow, and its call settings: the document's under the
 * flow's), a campaign file (`--campaign`), the command's options, and the row's own columns. Every row's
 * parameters are checked as SmartCall would check them before a single call is placed.
 */

/** What the campaign does with a row whose calling hours are closed: wait for them, or leave it for later. */
export const OUTSIDE_HOURS = ['wait', 'skip'] as const;
export type OutsideHours = (typeof OUTSIDE_HOURS)[number];

export const DEFAULT_RATE = 10;
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;
/** How long a DynamicId is accepted after the moment it is sent, by default: a call rings within minutes. */
export const DEFAULT_LIFETIME = '2h';

/** One layer of a campaign's settings (a campaign file, or the command's options). */
export type CampaignLayer = {
  readonly flow?: string | undefined;
  readonly showNumber?: string | undefined;
  readonly voiceCode?: string | undefined;
  readonly calendar?: string | undefined;
  readonly outside?: OutsideHours | undefined;
  readonly rate?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly expires?: string | undefined;
  readonly doNotCall?: string | undefined;
  readonly results?: string | undefined;
  readonly set?: Readonly<Record<string, string>> | undefined;
  readonly tts?: Readonly<Record<string, string>> | undefined;
  readonly vars?: Readonly<Record<string, string>> | undefined;
};

const Scalar = v.pipe(
  v.union([v.string(), v.number(), v.boolean()], 'text, a number or true/false'),
  v.transform(String),
);
const Text = v.pipe(v.string('text'), v.maxLength(512, 'at most 512 characters'));
const Path = v.pipe(v.string('a file name'), v.minLength(1, 'a file name'), v.maxLength(4096));

/** The `set` of a campaign file: SmartCall parameters by their names, each checked with the rest. */
const SetSchema = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.check((name) => checkParamName(name) === undefined, 'is no SmartCall parameter a campaign sets'),
    ),
    Scalar,
  ),
  v.description('SmartCall parameters by name (`MuteTime: 5000`), over the rules’ call settings.'),
);

/** A campaign file (`--campaign FILE`, YAML or JSON): defaults for the command's options, and the rules. */
export const CampaignFileSchema = v.strictObject({
  /** The rules document (YAML or JSON), relative to the campaign file. */
  rules: v.optional(v.pipe(Path, v.description('The rules document, relative to this file.'))),
  /** The flow each call starts in (over `outbound.defaultFlow`). */
  flow: v.optional(v.pipe(NameSchema, v.description('The flow each call starts in.'))),
  /** The number shown to the callee (`CalledShowNumber`, over `outbound.showNumber`). */
  showNumber: v.optional(v.pipe(Text, v.description('The number shown to the callee.'))),
  /** What SmartCall plays first (`VoiceCode`, over `outbound.voiceCode`). */
  voiceCode: v.optional(v.pipe(Text, v.description('What SmartCall plays first.'))),
  /** The calendar calls are placed in (over `outbound.calendar`). */
  calendar: v.optional(v.pipe(NameSchema, v.description('The calendar calls are placed in.'))),
  /** Outside the calendar's hours: `wait` for them, or `skip` the row for a later run. */
  outside: v.optional(
    v.pipe(v.picklist(OUTSIDE_HOURS, 'wait or skip'), v.description('wait or skip, outside hours.')),
  ),
  /** Calls a second, at most. */
  rate: v.optional(
    v.pipe(
      v.number('a number of calls a second'),
      v.gtValue(0, 'more than 0 calls a second'),
      v.maxValue(SMARTCALL_API.callsPerSecond, `at most ${SMARTCALL_API.callsPerSecond} calls a second`),
      v.description('Calls a second, at most.'),
    ),
  ),
  /** Requests in flight at once, at most. */
  concurrency: v.optional(
    v.pipe(
      v.number('a whole number'),
      v.integer('a whole number'),
      v.minValue(1, 'at least 1'),
      v.maxValue(MAX_CONCURRENCY, `at most ${MAX_CONCURRENCY}`),
      v.description('Requests in flight at once, at most.'),
    ),
  ),
  /** How long a DynamicId is accepted after it is sent: `2h`. */
  expires: v.optional(
    v.pipe(
      v.string('a lifetime such as 2h'),
      v.check((written) => typeof readLifetimeOption(written) === 'number', 'a lifetime from 1s to 31d'),
      v.description('How long a DynamicId is accepted after it is sent.'),
    ),
  ),
  /** The do-not-call list, relative to the campaign file. */
  doNotCall: v.optional(v.pipe(Path, v.description('The do-not-call list, relative to this file.'))),
  /** The results file, relative to the campaign file. */
  results: v.optional(v.pipe(Path, v.description('The results file, relative to this file.'))),
  set: v.optional(SetSchema),
  /** Values of `VoiceCodeParam` every call gets (`$NAME$` in the template), under the rows'. */
  tts: v.optional(
    v.pipe(
      v.record(v.pipe(v.string(), v.regex(TTS_NAME_PATTERN, 'is 1–32 letters, digits or "_"')), Scalar),
      v.description('Values of VoiceCodeParam every call gets, under the rows’ tts.NAME.'),
    ),
  ),
  /** Values sealed in every DynamicId (`{{vars.NAME}}`), under the rows'. */
  vars: v.optional(
    v.pipe(
      v.record(NameSchema, Scalar),
      v.description('Values sealed in every DynamicId, under the rows’ var.NAME.'),
    ),
  ),
});
export type CampaignFile = v.InferOutput<typeof CampaignFileSchema>;

/** A campaign file's document (already parsed from YAML or JSON), or its problems, each naming its path. */
export function readCampaignFile(
  document: unknown,
): { readonly ok: true; readonly file: CampaignFile } | { readonly ok: false; readonly problems: string[] } {
  const parsed = v.safeParse(CampaignFileSchema, document ?? {});
  if (parsed.success) return { ok: true, file: parsed.output };
  return {
    ok: false,
    problems: parsed.issues.map((issue) => {
      const path = v.getDotPath(issue);
      if (issue.type === 'strict_object' && path !== null) return `${path}: no such setting`;
      return `${path ?? '(file)'}: ${issue.message}`;
    }),
  };
}

/** The layers, each over the one before: one value per setting, `set`, `tts` and `vars` merged by name. */
export function mergeLayers(...layers: readonly CampaignLayer[]): CampaignLayer {
  let merged: CampaignLayer = {};
  for (const layer of layers) {
    const defined = Object.fromEntries(Object.entries(layer).filter(([, value]) => value !== undefined));
    merged = {
      ...merged,
      ...defined,
      set: { ...merged.set, ...layer.set },
      tts: { ...merged.tts, ...layer.tts },
      vars: { ...merged.vars, ...layer.vars },
    };
  }
  return merged;
}

/** A campaign's settings, every layer but the rows' resolved. */
export type Campaign = {
  readonly flow: string | undefined;
  readonly calendar: string | undefined;
  readonly outside: OutsideHours;
  readonly rate: number;
  readonly concurrency: number;
  /** How long a DynamicId is accepted after the moment it is sent. */
  readonly lifetimeS: number;
  readonly doNotCall: string | undefined;
  readonly results: string | undefined;
  /** SmartCall parameters of the campaign file and the options (show number and voice code included). */
  readonly params: Readonly<Record<string, string>>;
  readonly tts: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
};

/**
 * The campaign the rules and the layers over them (a campaign file, then the options) describe; the
 * problems of the options' values otherwise (a file's were checked by its schema).
 */
export function resolveCampaign(
  rules: Rules,
  layers: readonly CampaignLayer[],
): { readonly ok: true; readonly campaign: Campaign } | { readonly ok: false; readonly problems: string[] } {
  const merged = mergeLayers(...layers);
  const problems: string[] = [];
  const lifetimeS = readLifetimeOption(merged.expires ?? DEFAULT_LIFETIME);
  if (typeof lifetimeS === 'string') problems.push(lifetimeS);
  const rate = merged.rate ?? DEFAULT_RATE;
  if (!(rate > 0 && rate <= SMARTCALL_API.callsPerSecond))
    problems.push(
      `--rate is a number of calls a second, more than 0 and at most ${SMARTCALL_API.callsPerSecond}`,
    );
  const concurrency = merged.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENCY))
    problems.push(`--concurrency is a whole number from 1 to ${MAX_CONCURRENCY}`);
  for (const name of Object.keys(merged.set ?? {})) {
    const refused = checkParamName(name);
    if (refused !== undefined) problems.push(`--set ${refused}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const { outbound } = rules;
  const params: Record<string, string> = {};
  const showNumber = merged.showNumber ?? outbound?.showNumber;
  const voiceCode = merged.voiceCode ?? outbound?.voiceCode;
  if (showNumber !== undefined) params.CalledShowNumber = showNumber;
  if (voiceCode !== undefined) params.VoiceCode = voiceCode;
  return {
    ok: true,
    campaign: {
      flow: merged.flow ?? outbound?.defaultFlow,
      calendar: merged.calendar ?? outbound?.calendar,
      outside: merged.outside ?? 'wait',
      rate,
      concurrency,
      lifetimeS: lifetimeS as number,
      doNotCall: merged.doNotCall,
      results: merged.results,
      params: { ...params, ...merged.set },
      tts: merged.tts ?? {},
      vars: merged.vars ?? {},
    },
  };
}

/** A row made ready: what it starts and where it is called; its parameters are built when it is sent. */
export type RowPlan = {
  readonly flow: string;
  readonly calendar: string;
  readonly vars: Readonly<Record<string, string>>;
};

/** An expiry with as many digits as any until 2286, for measuring a DynamicId before it is sealed. */
const MEASURED_EXPIRY_S = 2_000_000_000;

/**
 * Builds and checks each row's SmartCall parameters: the rules' call settings (the document's under the
 * row's flow's), then the campaign's, then the row's columns; `tts` values become `VoiceCodeParam`, laid
 * over one the parameters give.
 */
export function createRowPlanner(
  rules: Rules,
  calendars: ReadonlySet<string>,
  campaign: Campaign,
  code: string,
) {
  const bases = new Map<string, Readonly<Record<string, string>>>();
  const baseOf = (flow: string) => {
    let base = bases.get(flow);
    if (base === undefined) {
      const settings = mergeSettings(rules.settings, rules.flows[flow]?.settings);
      base = { ...(smartCallSettingsFrom(settings) as Record<string, string>), ...campaign.params };
      bases.set(flow, base);
    }
    return base;
  };

  /** The parameters of `row`, with `dynamicId`, as they are sent. */
  const paramsOf = (row: CampaignRow, plan: RowPlan, dynamicId: string): Record<string, string> => {
    const params: Record<string, string> = { ...baseOf(plan.flow), ...row.params };
    const tts = { ...campaign.tts, ...row.tts };
    const given = objectOf(params.VoiceCodeParam);
    // One the layers gave that is no JSON object is left as it is, for the check to name.
    if (Object.keys(tts).length > 0 && given !== undefined)
      params.VoiceCodeParam = JSON.stringify({ ...given, ...tts });
    params.CalledNumber = row.number;
    params.OutId = outIdOf(code, row.row);
    params.DynamicId = dynamicId;
    return params;
  };

  /** The row's plan, or every problem it has, each `Name: message` without a number. */
  const plan = (
    row: CampaignRow,
  ): { readonly ok: true; readonly plan: RowPlan } | { readonly ok: false; readonly problems: string[] } => {
    const problems = [...row.problems];
    const flow = row.flow ?? campaign.flow;
    const calendar = row.calendar ?? campaign.calendar;
    const vars = { ...campaign.vars, ...row.vars };
    if (flow === undefined)
      problems.push(
        'flow: none given (outbound.defaultFlow in the rules, flow in the campaign file, --flow or a flow column)',
      );
    else if (!mayStartOutbound(rules, flow))
      problems.push(`flow: ${flow} is not a flow a DynamicId may start (see outbound.flows)`);
    if (calendar === undefined)
      problems.push(
        'calendar: none given (outbound.calendar in the rules, calendar in the campaign file, --calendar or a calendar column)',
      );
    else if (!calendars.has(calendar)) problems.push(`calendar: the rules have no calendar ${calendar}`);
    for (const [name, value] of Object.entries(vars)) {
      const refused = refuseOutboundValue(rules, name, value);
      const prefix = `${name} is `;
      if (refused !== undefined)
        problems.push(`var.${name}: ${refused.startsWith(prefix) ? refused.slice(prefix.length) : refused}`);
    }
    if (problems.length > 0) return { ok: false, problems };
    const ready: RowPlan = { flow: flow as string, calendar: calendar as string, vars };
    const content = { flow: ready.flow, vars, expiresAtS: MEASURED_EXPIRY_S };
    const checked = v.safeParse(OutboundIdContentSchema, content);
    if (!checked.success) {
      const where = (issue: v.BaseIssue<unknown>) =>
        (v.getDotPath(issue) ?? 'DynamicId').replace(/^vars\./, 'var.');
      return { ok: false, problems: checked.issues.map((issue) => `${where(issue)}: ${issue.message}`) };
    }
    // Values within the state's bound seal to a DynamicId within its own (test/state/outbound-id.test.ts).
    const { chars, varsBytes } = measureOutboundId(content);
    if (varsBytes > MAX_OUTBOUND_VARS_BYTES)
      return {
        ok: false,
        problems: [
          `DynamicId: the var values take ${varsBytes} bytes as JSON, over the ${MAX_OUTBOUND_VARS_BYTES} a call's state carries`,
        ],
      };
    const params = paramsOf(row, ready, `o1.${'x'.repeat(chars - 3)}`);
    const refused = checkSmartCallParams(params);
    if (refused.length > 0) return { ok: false, problems: refused };
    return { ok: true, plan: ready };
  };

  return { plan, paramsOf };
}

/** A `VoiceCodeParam` the layers gave, as an object to lay `tts` values over; undefined when it is not one. */
function objectOf(written: string | undefined): Record<string, unknown> | undefined {
  if (written === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(written);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
