/**
 * Writes a function's `provisionConfig` into the text of s.yaml and nothing else: the YAML Document API
 * finds where the resource's props and any earlier `provisionConfig` lie, and the text is spliced there,
 * so every other byte (comments, anchors, merge keys, quoting) stays as it was.
 */
import { isMap, isScalar, parseDocument, stringify, type YAMLMap } from 'yaml';
import {
  capacityCalendars,
  formatPlanStamp,
  type PlanStamp,
  type ProvisionConfig,
  planWarmCapacity,
  readPlanStamp,
} from '../../shared/capacity/warm-schedule';
import type { CompiledRules } from '../../shared/rules/compile-rules';

/** The comment atop a written `provisionConfig`. */
export const WRITTEN_BY =
  "# Written by `npm run capacity` from the rules' calendars: run it again rather than edit this.";

export type EditResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: string };

function findProps(text: string, resource: string): YAMLMap | string {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) return `s.yaml is not valid YAML (${doc.errors[0]?.message.split('\n')[0]})`;
  const props = doc.getIn(['resources', resource, 'props'], true);
  if (!isMap(props) || props.items.length === 0 || props.range === undefined || props.range === null)
    return `s.yaml has no resources.${resource}.props block`;
  return props;
}

/** The column of the props' keys, from the first key's place in the text. */
function indentOf(text: string, props: YAMLMap): number {
  const first = props.items[0]?.key;
  const at = isScalar(first) && first.range ? first.range[0] : 0;
  return at - (text.lastIndexOf('\n', at - 1) + 1);
}

/** `provisionConfig:` and its value as block YAML, each line indented by `indent` spaces. */
export function renderProvisionConfig(config: ProvisionConfig, indent: number, stamp?: PlanStamp): string {
  const body = stringify(
    { provisionConfig: config },
    { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
  );
  const [head, ...rest] = body.trimEnd().split('\n');
  const pad = ' '.repeat(indent);
  const lines = [
    `${pad}${head}`,
    `${pad}  ${WRITTEN_BY}`,
    ...(stamp === undefined ? [] : [`${pad}  ${formatPlanStamp(stamp)}`]),
    ...rest.map((line) => `${pad}${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * s.yaml's text with `resources.<resource>.props.provisionConfig` set to `config`, or removed when
 * `config` is undefined; everything else byte for byte.
 */
export function replaceProvisionConfig(
  text: string,
  resource: string,
  config: ProvisionConfig | undefined,
  stamp?: PlanStamp,
): EditResult {
  const edited = spliceProvisionConfig(text, resource, config, stamp);
  if (!edited.ok || edited.text === text) return edited;
  // The spliced text is read back: a layout the splice does not know (flow-style props) is refused.
  const doc = parseDocument(edited.text, { merge: true });
  const js = doc.errors.length > 0 ? undefined : (doc.toJS({ maxAliasCount: 1000 }) as SYamlJs | null);
  const written = js?.resources?.[resource]?.props?.provisionConfig;
  if (doc.errors.length > 0 || JSON.stringify(written) !== JSON.stringify(config))
    return {
      ok: false,
      error: `cannot write resources.${resource}.props.provisionConfig into this layout (props as a flow map {…}?): write the props as a block, one key a line`,
    };
  return edited;
}

type SYamlJs = {
  resources?: Record<string, { props?: { provisionConfig?: unknown } }>;
};

function spliceProvisionConfig(
  text: string,
  resource: string,
  config: ProvisionConfig | undefined,
  stamp?: PlanStamp,
): EditResult {
  const props = findProps(text, resource);
  if (typeof props === 'string') return { ok: false, error: props };
  const indent = indentOf(text, props);
  // A file written with CRLF line ends gets CRLF in the written block too.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const rendered =
    config === undefined ? '' : renderProvisionConfig(config, indent, stamp).replaceAll('\n', eol);
  const pair = props.items.find((item) => isScalar(item.key) && item.key.value === 'provisionConfig');
  if (pair !== undefined) {
    const key = pair.key as { range?: [number, number, number] | null };
    const value = pair.value as { range?: [number, number, number] | null } | null;
    const start = key.range?.[0];
    const end = value?.range?.[2] ?? key.range?.[2];
    if (start === undefined || end === undefined) return { ok: false, error: 'cannot place provisionConfig' };
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = text[end - 1] === '\n' ? end : text.indexOf('\n', end) + 1 || text.length;
    return { ok: true, text: text.slice(0, lineStart) + rendered + text.slice(lineEnd) };
  }
  if (config === undefined) return { ok: true, text };
  const end = (props.range as [number, number, number])[1];
  const before = text.slice(0, end);
  const glue = before.endsWith('\n') ? '' : eol;
  return { ok: true, text: before + glue + rendered + text.slice(end) };
}

/** The function's `memorySize` as s.yaml gives it (merge keys followed), when it is a number. */
export function readMemorySize(text: string, resource: string): number | undefined {
  const memory = readFunctionProps(text).find(([name]) => name === resource)?.[1].memorySize;
  return typeof memory === 'number' && Number.isFinite(memory) ? memory : undefined;
}

/**
 * Every resource's props in s.yaml as `s` merges them (anchors and merge keys applied, `${…}` left as
 * written), by resource name; none when the text is not YAML.
 */
export function readFunctionProps(text: string): [string, Record<string, unknown>][] {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) return [];
  const js = doc.toJS({ maxAliasCount: 1000 }) as { resources?: unknown } | null;
  const resources = js?.resources;
  if (typeof resources !== 'object' || resources === null) return [];
  return Object.entries(resources as Record<string, { props?: unknown }>).flatMap(([name, resource]) => {
    const props = resource?.props;
    return typeof props === 'object' && props !== null ? [[name, props as Record<string, unknown>]] : [];
  });
}

/** The scheduled actions of a function's `provisionConfig` in s.yaml, as far as they read as actions. */
export function readScheduledActions(
  text: string,
  resource: string,
): { name: string; startTime: string; endTime: string; timeZone: string }[] {
  const doc = parseDocument(text, { merge: true });
  const js = doc.toJS({ maxAliasCount: 1000 }) as {
    resources?: Record<string, { props?: { provisionConfig?: { scheduledActions?: unknown } } }>;
  } | null;
  const actions = js?.resources?.[resource]?.props?.provisionConfig?.scheduledActions;
  if (!Array.isArray(actions)) return [];
  return actions.flatMap((action: unknown) => {
    const { name, startTime, endTime, timeZone } = (action ?? {}) as Record<string, unknown>;
    return typeof name === 'string' && typeof startTime === 'string' && typeof endTime === 'string'
      ? [{ name, startTime, endTime, timeZone: typeof timeZone === 'string' ? timeZone : 'Asia/Shanghai' }]
      : [];
  });
}

/** The text of a function's `provisionConfig` block in s.yaml (comments included), if it has one. */
function provisionText(text: string, resource: string): string | undefined {
  const props = findProps(text, resource);
  if (typeof props === 'string') return undefined;
  const pair = props.items.find((item) => isScalar(item.key) && item.key.value === 'provisionConfig');
  const start = (pair?.key as { range?: [number, number, number] | null } | undefined)?.range?.[0];
  const end = (pair?.value as { range?: [number, number, number] | null } | null | undefined)?.range?.[2];
  return start === undefined || end === undefined ? undefined : text.slice(start, end);
}

/**
 * What `rules publish` says of the warm capacity in s.yaml (`text`) against the rules being published: for
 * each function whose schedule `npm run capacity` wrote (with its plan's stamp), whether planning it again
 * from these rules' calendars, with the same options, gives other actions — then the capacity follows
 * calendars that are no longer the published ones.
 */
export function describeCapacityDrift(
  compiled: Pick<CompiledRules, 'rules' | 'calendars'>,
  text: string,
): string[] {
  const followed = capacityCalendars(compiled);
  const stamps = new Map<'inbound' | 'outbound', PlanStamp>();
  const drifted: ('inbound' | 'outbound')[] = [];
  for (const resource of ['inbound', 'outbound'] as const) {
    const block = provisionText(text, resource);
    const stamp = block === undefined ? undefined : readPlanStamp(block);
    if (stamp === undefined) continue;
    stamps.set(resource, stamp);
    const { calendars } = followed[resource];
    // A document without a calendar for this function does not plan it (another document may).
    if (calendars.length === 0) continue;
    const planned = planWarmCapacity(calendars, { ...stamp });
    const written = JSON.stringify(readActions(text, resource));
    const again = planned.ok ? JSON.stringify(planned.plan.provisionConfig.scheduledActions) : undefined;
    if (again !== written) drifted.push(resource);
  }
  const first = drifted[0] === undefined ? undefined : stamps.get(drifted[0]);
  if (first === undefined) return [];
  // One command for both functions: the capacity command plans each function it has a calendar for, so
  // it names every written schedule's instances, not only the drifted one's (the rest would become 1).
  const instances = [...stamps]
    .map(([resource, stamp]) => ` --${resource}-instances ${stamp.target}`)
    .join('');
  const differ = [...stamps.values()].some(
    (stamp) =>
      stamp.from !== first.from || stamp.weeks !== first.weeks || stamp.leadMinutes !== first.leadMinutes,
  );
  return [
    `${drifted.join(' and ')}'s warm capacity in s.yaml was planned from other calendars than these: run npm run capacity -- <this file> --from ${first.from} --weeks ${first.weeks} --lead ${first.leadMinutes}m${instances}, then npx s deploy${differ ? " (inbound's and outbound's schedules were planned with different --from, --weeks or --lead: check them)" : ''}`,
  ];
}

/** A function's scheduled actions in s.yaml, whole, as plain data. */
function readActions(text: string, resource: string): unknown {
  const doc = parseDocument(text, { merge: true });
  const js = doc.toJS({ maxAliasCount: 1000 }) as {
    resources?: Record<string, { props?: { provisionConfig?: { scheduledActions?: unknown } } }>;
  } | null;
  return js?.resources?.[resource]?.props?.provisionConfig?.scheduledActions ?? null;
}

/**
 * Who wrote a function's `provisionConfig` in s.yaml: `npm run capacity` (its comment is there), someone
 * else, or there is none.
 */
export function provisionOwner(text: string, resource: string): 'ours' | 'other' | 'none' {
  const block = provisionText(text, resource);
  if (block === undefined) return 'none';
  return block.includes(WRITTEN_BY) ? 'ours' : 'other';
}
