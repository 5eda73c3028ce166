import { createHmac, randomInt } from 'node:crypto';
import * as v from 'valibot';
import { type CampaignLine, outIdOf, type ResultsLine, ResultsLineSchema, type RowStatus } from './results';

/**
 * A results file read back (shared/campaign/results.ts): each row's state after its last line, so that
 * a campaign started again goes on where it stopped, never sending a row twice.
 */

/** The longest line of a results file, in bytes: a longer one is corrupt, not read whole. */
export const MAX_RESULTS_LINE_BYTES = 4096;

/** One line of a results file, or why it is not one. */
export function parseResultsLine(text: string): ResultsLine | string {
  if (Buffer.byteLength(text) > MAX_RESULTS_LINE_BYTES) return `longer than ${MAX_RESULTS_LINE_BYTES} bytes`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const parsed = v.safeParse(ResultsLineSchema, json);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  return `${v.getDotPath(issue) ?? 'the line'}: ${issue.message}`;
}

/**
 * The keyed hash of a number a results file keeps (16 hex digits), to tell on a restart whether a row is
 * still the same number. It is keyed by a secret the file does not hold (the campaign's sealing key, the
 * first of `OUTBOUND_SECRETS`) with the campaign's code: the file also holds the number masked, which
 * leaves 10,000 candidates, so a hash anyone could compute would give every number away.
 */
export function numberTagOf(key: string, code: string, number: string): string {
  return createHmac('sha256', key)
    .update(`vms-callflow number tag\u0000${code}\u0000${number}`)
    .digest('hex')
    .slice(0, 16);
}

/** Whether `tag` is `number`'s under any of `keys` (a key rotated since the campaign started included). */
export function isNumberTag(keys: readonly string[], code: string, number: string, tag: string): boolean {
  return keys.some((key) => numberTagOf(key, code, number) === tag);
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS_AND_DIGITS = `${LETTERS}0123456789`;

/** A new campaign's code (`CAMPAIGN_CODE_PATTERN`): a letter, then five letters or digits, at random. */
export function newCampaignCode(pick: (below: number) => number = randomInt): string {
  let code = LETTERS[pick(LETTERS.length)] as string;
  while (code.length < 6) code += LETTERS_AND_DIGITS[pick(LETTERS_AND_DIGITS.length)];
  return code;
}

/** Where a row stands after the lines of the results file. */
export type RowState =
  /** No line, or its last request certainly placed no call (`unsent`): to be sent. */
  | { readonly kind: 'pending'; readonly attempts: number }
  /** A `sending` line without its end: the process stopped while the request was out. */
  | { readonly kind: 'interrupted'; readonly attempts: number; readonly outId: string }
  /** Refused by the check before sending: checked again on every run, sent once the list is fixed. */
  | { readonly kind: 'invalid'; readonly attempts: number }
  /** A final `result` (placed, refused, uncertain, do-not-call) or a `settled` line. */
  | { readonly kind: 'done'; readonly status: RowStatus; readonly attempts: number };

export type FoldedRow = { readonly state: RowState; readonly numberTag?: string | undefined };

export type FoldedResults = {
  readonly campaign: CampaignLine;
  readonly rows: ReadonlyMap<number, FoldedRow>;
};

/** Folds the lines of a results file, one at a time, into each row's state. */
export function createResultsFolder() {
  let campaign: CampaignLine | undefined;
  const rows = new Map<number, FoldedRow>();
  return {
    /** Takes the next line; why the file is not a campaign's results, if it is not. */
    add(line: ResultsLine): string | undefined {
      if (line.kind === 'campaign') {
        if (campaign !== undefined) return 'a second campaign line';
        campaign = line;
        return undefined;
      }
      if (campaign === undefined) return 'no campaign line first';
      if (line.row > campaign.rows) return `row ${line.row}, while the campaign has ${campaign.rows}`;
      if (line.outId !== outIdOf(campaign.code, line.row))
        return `row ${line.row} with OutId ${line.outId}, not the campaign's ${outIdOf(campaign.code, line.row)}`;
      const before = rows.get(line.row);
      const attempts = before?.state.attempts ?? 0;
      let state: RowState;
      let numberTag = before?.numberTag;
      switch (line.kind) {
        case 'sending':
          state = { kind: 'interrupted', attempts: line.attempt, outId: line.outId };
          break;
        case 'unsent':
          state = { kind: 'pending', attempts: line.attempt };
          break;
        case 'result':
          numberTag = line.numberTag ?? numberTag;
          state =
            line.status === 'invalid'
              ? { kind: 'invalid', attempts }
              : { kind: 'done', status: line.status, attempts: line.attempts ?? attempts };
          break;
        case 'settled':
          state = { kind: 'done', status: 'placed', attempts };
          break;
      }
      rows.set(line.row, { state, numberTag });
      return undefined;
    },
    /** The campaign and its rows; undefined when no line was read. */
    result(): FoldedResults | undefined {
      return campaign === undefined ? undefined : { campaign, rows };
    },
  };
}
