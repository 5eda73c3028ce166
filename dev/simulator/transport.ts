/**
 * How the simulator's callbacks reach a function. Every transport carries the same thing — a callback
 * encoded as VMS sends it (an urlencoded form of `call_id`, `content_type`, `content`, `timestamp`) —
 * and brings back the HTTP status and body, plus the log lines the function wrote for it where the
 * transport can see them. `--fc` (through the FC API) is one more implementation of this interface.
 */
import { resolve } from 'node:path';
import { MAX_LOOKUPS_PER_CALLBACK } from '../../shared/lookup/lookup-types';
import { type FcApiClient, FcApiError, invokeCallback, printable } from '../fc-api';
import {
  buildFcEvent,
  type CallbackParams,
  formCallback,
  loadHostedHandler,
  setFunctionEnvironment,
} from '../fc-event';
import { type ClassifyDesk, type ClassifyReport, ScriptedClassifier } from './simulated-classifier';
import { type LookupDesk, type LookupReport, ScriptedLookups } from './simulated-lookups';

/** The two functions that answer calls. */
export type CallFunction = 'inbound' | 'outbound';

/** A function's answer to one callback. */
export type Delivery = {
  /** The HTTP status; 0 when no answer came (refused, timed out: the body says why). */
  readonly status: number;
  readonly body: string;
  /** The JSON log lines the function wrote while answering, when the transport sees them. */
  readonly logs: readonly Record<string, unknown>[];
  /** What the simulator's lookups say of the callback's, when it answers them (in-process). */
  readonly lookups?: LookupReport | undefined;
  /** What the simulator's classifier says of the callback's classification, when it answers it (in-process). */
  readonly classifications?: ClassifyReport | undefined;
};

export type CallTransport = {
  /** Says where the callbacks go, for the session header (`built bundles, in-process`). */
  readonly describe: string;
  /** Whether {@link Delivery.logs} holds the function's log lines (node, rule, trace). */
  readonly seesLogs: boolean;
  /** Whether the function runs on the simulator's clock (`at`); a remote one reads its own. */
  readonly setsClock: boolean;
  /** Who answers the functions' lookups, when the simulator does (in-process); a remote function makes its own. */
  readonly lookups?: LookupDesk | undefined;
  /** Who answers the functions' classifications, when the simulator does (in-process). */
  readonly classifier?: ClassifyDesk | undefined;
  /** Delivers one callback to a function, at `at` (epoch ms) on the simulator's clock. */
  readonly send: (fn: CallFunction, params: CallbackParams, at: number) => Promise<Delivery>;
};

/** The state key the simulator's in-process functions seal `dynamic_id` with (none is a secret here). */
const SIMULATOR_STATE_KEY = 'simulator-state-key-not-a-secret';
/** The key the simulator seals a scenario's `outbound: {flow, vars}` under, as a sender would (OUTBOUND_SECRETS). */
export const SIMULATOR_OUTBOUND_KEY = 'simulator-outbound-key-not-a-secret';

/**
 * The built bundles (`dist/inbound`, `dist/outbound`) loaded in this process, each hosted on the
 * simulator's clock (`createHandler({ now, writeLog, lookups, classify })`): the callback is wrapped as the
 * FC 3.0 HTTP trigger event FC would hand them, their log lines are taken, not printed, their lookups go to
 * `lookups` and their classifications to `classifier` (by default scripts with no answers: a lookup or a
 * classification fails the turn, and nothing is sent). When a desk answers a need it was asked for only
 * after the callback (typed at the prompt), the callback is sent again, and only its last reply is
 * delivered. `rulesFile` is their `RULES_FILE` (none: the
 * embedded default); `outboundKey` their `OUTBOUND_SECRETS`, the key a SmartCall's DynamicId is sealed
 * under (the simulator's by default; the VMS API stand-in gives the campaign's). The environment is set for
 * them, then read by their first request, here, so that other code changing `process.env` later does not
 * reach them.
 */
export async function createInProcessTransport(
  rulesFile: string | undefined,
  lookups: LookupDesk = new ScriptedLookups(),
  classifier: ClassifyDesk = new ScriptedClassifier(),
  outboundKey: string = SIMULATOR_OUTBOUND_KEY,
): Promise<CallTransport> {
  let clock = 0;
  let lines: string[] = [];
  const host = {
    now: () => clock,
    writeLog: (line: string) => {
      lines.push(line);
    },
    lookups: lookups.standIn,
    classify: classifier.standIn,
  };
  classifier.useClock?.(() => clock);
  setFunctionEnvironment({
    STATE_SECRETS: SIMULATOR_STATE_KEY,
    OUTBOUND_SECRETS: outboundKey,
    LOG_LEVEL: 'info',
    // A cold start may wait this long for the rules file: the simulator is about the flow.
    RULES_LOAD_BUDGET_MS: '5000',
    ...(rulesFile === undefined ? {} : { RULES_FILE: resolve(rulesFile) }),
  });
  const handlers = {
    inbound: loadHostedHandler('inbound', host),
    outbound: loadHostedHandler('outbound', host),
  };
  // A GET (the status) makes each instance read its environment now.
  for (const handler of Object.values(handlers)) await handler(buildFcEvent({ method: 'GET' }));
  lines = [];
  lookups.takeReport();
  classifier.takeReport();
  return {
    describe: 'the built bundles (dist/), in this process, on the simulator clock',
    seesLogs: true,
    setsClock: true,
    lookups,
    classifier,
    send: async (fn, params, at) => {
      // A callback has at most this many needs (lookups, a classification), each answered once before it
      // is sent again.
      for (let sent = 0; ; sent++) {
        clock = at;
        lines = [];
        const result = await handlers[fn](formCallback(params, { base64: true, time: new Date(at) }));
        if (sent < MAX_LOOKUPS_PER_CALLBACK) {
          const looked = (await lookups.answerUnanswered?.()) === true;
          const classified = (await classifier.answerUnanswered?.()) === true;
          if (looked || classified) continue;
        }
        return {
          status: result.statusCode,
          body: result.body,
          logs: parseLogLines(lines),
          lookups: lookups.takeReport(),
          classifications: classifier.takeReport(),
        };
      }
    },
  };
}

/** The JSON objects among log lines; anything else is dropped. */
export function parseLogLines(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        out.push(value as Record<string, unknown>);
    } catch {
      // Not a log line of ours.
    }
  }
  return out;
}

/**
 * `text` as it may be printed: no secret in it — `secret` itself (as typed or URL-encoded), any `token=`
 * value, and the path segment after the function's (`/inbound/<secret>`, as VMS calls the console URL) —
 * each shown as `<secret>`; and no control characters (a terminal's escapes among them).
 */
export function redactSecrets(text: string, secret: string | undefined): string {
  let out = text;
  if (secret !== undefined && secret !== '') {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.replaceAll(form, '<secret>');
  }
  out = out
    .replace(/([?&]token=)[^&#\s]+/gi, '$1<secret>')
    .replace(/(\/(?:inbound|outbound|report|\{fn\})\/)[^/?#\s]+/g, '$1<secret>');
  return printable(out, 1000);
}

/** The longest a remote function may take to answer, and the most of its reply read. */
const URL_TIMEOUT_MS = 10_000;
const MAX_REPLY_BYTES = 1024 * 1024;

/**
 * A function over HTTP: the local server (`npm start`: `http://127.0.0.1:9000/{fn}`) or a deployed
 * trigger. `{fn}` in the URL becomes `inbound` or `outbound`; a URL without it is used for every call.
 * The secret, when given, travels as `?token=`; neither it nor one written into the URL is printed. A remote function reads its own clock
 * and writes its log where it is configured to: the simulator sees neither.
 */
export function createUrlTransport(url: string, secret: string | undefined): CallTransport {
  const target = (fn: CallFunction) => {
    const address = new URL(url.replaceAll('{fn}', fn));
    if (secret !== undefined) address.searchParams.set('token', secret);
    return address;
  };
  return {
    describe: `${redactSecrets(url, secret)} over HTTP${secret === undefined ? '' : ' (with the secret)'}; the function reads its own clock`,
    seesLogs: false,
    setsClock: false,
    send: async (fn, params) => {
      try {
        const response = await fetch(target(fn), {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params as Record<string, string>).toString(),
          signal: AbortSignal.timeout(URL_TIMEOUT_MS),
          redirect: 'error',
        });
        return { status: response.status, body: await readBounded(response), logs: [] };
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return { status: 0, body: redactSecrets(`no answer from ${url} (${reason})`, secret), logs: [] };
      }
    },
  };
}

/** A response's text, cut at {@link MAX_REPLY_BYTES}: a reply is a few hundred bytes. */
async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_REPLY_BYTES);
}

/**
 * A deployed function through the FC 3.0 API (`--fc`): each callback is the HTTP-trigger event FC would
 * hand the function, invoked with InvokeFunction by the deploy check's client (dev/fc-api.ts), so it needs
 * no public URL. `{fn}` in the name becomes `inbound` or `outbound` (or each has its own name). The secret, when given, is the last
 * segment of the event's path, as the trigger URL carries it. Like `--url`, it sees replies only.
 */
export function createFcTransport(
  client: FcApiClient,
  functionName: string | Readonly<Record<CallFunction, string>>,
  secret: string | undefined,
): CallTransport {
  const nameOf = (fn: CallFunction) =>
    typeof functionName === 'string' ? functionName.replaceAll('{fn}', fn) : functionName[fn];
  const names =
    typeof functionName === 'string' ? functionName : `${nameOf('inbound')}, ${nameOf('outbound')}`;
  return {
    describe: `${names} through the FC API (${client.endpoint}, ${client.region})${secret === undefined ? '' : ' with the secret'}; the function reads its own clock`,
    seesLogs: false,
    setsClock: false,
    send: async (fn, params, at) => {
      const name = nameOf(fn);
      const path = secret === undefined ? `/${fn}` : `/${fn}/${secret}`;
      try {
        const result = await invokeCallback(
          client,
          name,
          formCallback(params, { base64: true, path, time: new Date(at) }),
        );
        return { status: result.statusCode, body: result.body, logs: [] };
      } catch (error) {
        const reason =
          error instanceof FcApiError
            ? error.describe()
            : error instanceof Error
              ? `${error.name}: ${error.message}`
              : String(error);
        return {
          status: 0,
          body: redactSecrets(`no answer from ${name} through the FC API (${reason})`, secret),
          logs: [],
        };
      }
    },
  };
}
