import { normalisePhoneNumber } from '../rules/phone-number';
import { NAME_PATTERN } from '../text/name';
import { MAX_CAMPAIGN_ROWS } from './results';
import { SMARTCALL_PARAM_NAMES } from './smartcall';

/**
 * A campaign's list of calls to place (`npm run call -- LIST`): CSV with a header, or JSON lines, one row
 * per call. Read as it streams in (`push` each piece of text as it arrives, then `end`): the text is never
 * held whole, and each record becomes a small {@link CampaignRow} at once.
 *
 * Columns (CSV header, or JSON keys):
 * - `number`: the called number (required); spaces, `-`, brackets and a leading `+86`/`0086` are dropped;
 * - `id`: the row's own id (unique, at most {@link MAX_ROW_ID_CHARS} characters), shown in the results;
 * - `flow`, `calendar`: the row's flow and calling calendar, over the campaign's;
 * - `var.NAME`: a value sealed in the DynamicId, read by the flow as `{{vars.NAME}}`;
 * - `tts.NAME`: a value of `VoiceCodeParam`, for `$NAME$` in the voice template;
 * - a SmartCall parameter (`VoiceCode`, `CalledShowNumber`, `MuteTime`, …): the row's own value.
 *
 * Anything else refuses the whole list before a call is placed: a misspelt column would otherwise be
 * dropped without a word. An empty cell is a column the row does not give.
 */

export type ListFormat = 'csv' | 'jsonl';

/** The largest record, in bytes of text: a row is a number and a few short values. */
export const MAX_RECORD_BYTES = 4096;

/** The longest `id`. */
export const MAX_ROW_ID_CHARS = 64;

/** The most columns a list may have. */
const MAX_COLUMNS = 64;

/** The format a list's file name says: `.csv`, or `.jsonl`/`.ndjson`. */
export function listFormatOf(file: string): ListFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return undefined;
}

/** What a column of the list stands for. */
export type Column =
  | { readonly kind: 'number' | 'id' | 'flow' | 'calendar' }
  | { readonly kind: 'var' | 'tts' | 'param'; readonly name: string };

/** The parameters the caller writes itself, and what to use instead. */
const CALLER_PARAMS: Readonly<Record<string, string>> = {
  CalledNumber: 'the number column',
  DynamicId: 'flow and var.NAME columns: the caller seals it',
  OutId: "none: it is the campaign's code and the row's number",
};

/** A SmartCall parameter a campaign may set (a column, `set`, `--set`); why not otherwise. */
export function checkParamName(name: string): string | undefined {
  if (Object.hasOwn(CALLER_PARAMS, name)) return `${name} is the caller's: use ${CALLER_PARAMS[name]}`;
  if (!SMARTCALL_PARAM_NAMES.includes(name)) return `${name} is no SmartCall parameter`;
  return undefined;
}

/** The names of `tts.NAME`: what `VoiceCodeParam` takes. */
export const TTS_NAME_PATTERN = /^[A-Za-z0-9_]{1,32}$/;

/** What `name` stands for as a column, or why it is refused. */
export function classifyColumn(name: string): Column | string {
  if (name === 'number' || name === 'id' || name === 'flow' || name === 'calendar') return { kind: name };
  const dot = name.indexOf('.');
  const prefix = dot === -1 ? '' : name.slice(0, dot);
  const rest = name.slice(dot + 1);
  if (prefix === 'var') {
    return NAME_PATTERN.test(rest)
      ? { kind: 'var', name: rest }
      : `column ${name}: a var.NAME is a letter then up to 31 letters, digits, "_" or "-"`;
  }
  if (prefix === 'tts') {
    return TTS_NAME_PATTERN.test(rest)
      ? { kind: 'tts', name: rest }
      : `column ${name}: a tts.NAME is 1–32 letters, digits or "_"`;
  }
  const refused = checkParamName(name);
  if (refused === undefined) return { kind: 'param', name };
  return SMARTCALL_PARAM_NAMES.includes(name)
    ? `column ${name}: ${refused}`
    : `unknown column ${printable(name)}: a list has number, id, flow, calendar, var.NAME, tts.NAME and SmartCall's parameters`;
}

/** A column name as it may be printed: a line of its own, within 64 characters. */
function printable(name: string): string {
  const cut = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return JSON.stringify(cut);
}

/** One row of the list, read. */
export type CampaignRow = {
  /** 1-based, in the order of the list, blank lines not counted: the row of its `OutId`. */
  readonly row: number;
  /** The number to call, normalised (digits); what the row had when it could not be read as one. */
  readonly number: string;
  readonly id?: string;
  readonly flow?: string;
  readonly calendar?: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly tts: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  /** What is wrong with the row itself (no number, an id too long or given twice). */
  readonly problems: readonly string[];
};

/** A list that cannot be read at all; the message names the line, never a number. */
export class ListError extends Error {}

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** A raw number as a list may write it: digits, spaces, `-`, `.`, brackets, a leading `+`. */
const WRITTEN_NUMBER = /^\+?[0-9 ()\-.]{1,32}$/;

/** A number as a list or a do-not-call list writes it, normalised; undefined when it is not one. */
export function normaliseListedNumber(written: string): string | undefined {
  const trimmed = written.trim();
  if (!WRITTEN_NUMBER.test(trimmed)) return undefined;
  const digits = normalisePhoneNumber(trimmed);
  return digits === '' ? undefined : digits;
}

/** Turns records into rows: the columns are classified once, ids are checked unique. */
function createRowMaker() {
  const ids = new Map<string, number>();
  const columns = new Map<string, Column>();
  let rows = 0;
  const columnOf = (name: string, where: string): Column => {
    let column = columns.get(name);
    if (column === undefined) {
      if (columns.size >= MAX_COLUMNS) throw new ListError(`${where}: more than ${MAX_COLUMNS} columns`);
      const classified = classifyColumn(name);
      if (typeof classified === 'string') throw new ListError(`${where}: ${classified}`);
      column = classified;
      columns.set(name, column);
    }
    return column;
  };
  const make = (record: Iterable<readonly [string, string]>, where: string): CampaignRow => {
    rows++;
    if (rows > MAX_CAMPAIGN_ROWS) throw new ListError(`${where}: more than ${MAX_CAMPAIGN_ROWS} rows`);
    const problems: string[] = [];
    let number = '';
    let id: string | undefined;
    let flow: string | undefined;
    let calendar: string | undefined;
    let vars: Record<string, string> | undefined;
    let tts: Record<string, string> | undefined;
    let params: Record<string, string> | undefined;
    for (const [name, value] of record) {
      if (value === '') continue;
      const column = columnOf(name, where);
      switch (column.kind) {
        case 'number': {
          const normalised = normaliseListedNumber(value);
          if (normalised === undefined) problems.push('number: not a phone number');
          number = normalised ?? value;
          break;
        }
        case 'id':
          id = value;
          break;
        case 'flow':
          flow = value;
          break;
        case 'calendar':
          calendar = value;
          break;
        case 'var':
          vars ??= {};
          vars[column.name] = value;
          break;
        case 'tts':
          tts ??= {};
          tts[column.name] = value;
          break;
        case 'param':
          params ??= {};
          params[column.name] = value;
          break;
      }
    }
    if (number === '' && problems.length === 0) problems.push('number: missing');
    if (id !== undefined) {
      const first = ids.get(id);
      if (id.length > MAX_ROW_ID_CHARS) problems.push(`id: at most ${MAX_ROW_ID_CHARS} characters`);
      else if (first !== undefined) problems.push(`id: the same as row ${first}'s`);
      else ids.set(id, rows);
    }
    return {
      row: rows,
      number,
      ...(id === undefined ? {} : { id }),
      ...(flow === undefined ? {} : { flow }),
      ...(calendar === undefined ? {} : { calendar }),
      vars: vars ?? NONE,
      tts: tts ?? NONE,
      params: params ?? NONE,
      problems,
    };
  };
  return { make, columnOf };
}

/** Reads a list as its text streams in: `push` each piece, then `end`; rows come out as soon as read. */
export type ListReader = {
  push(text: string): CampaignRow[];
  end(): CampaignRow[];
};

export function createListReader(format: ListFormat): ListReader {
  let out: CampaignRow[] = [];
  const reader = (format === 'csv' ? readCsv : readJsonLines)((row) => out.push(row));
  const drain = () => {
    const rows = out;
    out = [];
    return rows;
  };
  return {
    push(text) {
      reader.push(text);
      return drain();
    },
    end() {
      reader.end();
      return drain();
    },
  };
}

/** A format's reader: it takes the text as it streams in, and hands each row to `emit` once read. */
type FormatReader = (emit: (row: CampaignRow) => void) => {
  push(text: string): void;
  end(): void;
};

/** Splits streamed text into lines (`\n` or `\r\n`), refusing one over {@link MAX_RECORD_BYTES}. */
function createLineSplitter(onLine: (line: string, number: number) => void) {
  let partial = '';
  let lineNumber = 0;
  const emit = (line: string) => {
    lineNumber++;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber);
  };
  const check = () => {
    if (Buffer.byteLength(partial) > MAX_RECORD_BYTES)
      throw new ListError(`line ${lineNumber + 1}: longer than ${MAX_RECORD_BYTES} bytes`);
  };
  return {
    push(text: string) {
      let start = 0;
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', start)) {
        partial += text.slice(start, at);
        check();
        emit(partial);
        partial = '';
        start = at + 1;
      }
      partial += text.slice(start);
      check();
    },
    end() {
      if (partial !== '') emit(partial);
      partial = '';
    },
  };
}

const readJsonLines: FormatReader = (emit) => {
  const maker = createRowMaker();
  let first = true;
  const splitter = createLineSplitter((raw, number) => {
    const line = first ? raw.replace(/^\uFEFF/, '') : raw;
    first = false;
    if (line.trim() === '') return;
    const where = `line ${number}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ListError(`${where}: not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ListError(`${where}: not a JSON object`);
    const entries: [string, string][] = [];
    for (const [name, value] of Object.entries(parsed)) {
      maker.columnOf(name, where);
      if (value === null) continue;
      if (typeof value === 'string') entries.push([name, value]);
      else if (typeof value === 'number' || typeof value === 'boolean') entries.push([name, String(value)]);
      else throw new ListError(`${where}: ${printable(name)} is not text, a number or true/false`);
    }
    emit(maker.make(entries, where));
  });
  return splitter;
};

/** The bytes a code point takes in UTF-8. */
function utf8Bytes(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * CSV as RFC 4180 writes it: `,` between fields, `"` around a field with a comma, a quote or a line
 * break in it (a quote doubled inside), `\n` or `\r\n` between records; a UTF-8 BOM is dropped. The first
 * record is the header; blank lines are skipped.
 */
const readCsv: FormatReader = (emit) => {
  const maker = createRowMaker();
  let header: string[] | undefined;
  let fields: string[] = [];
  let field = '';
  /** Inside a quoted field. */
  let quoted = false;
  /** Right after a quoted field's closing quote: only `"` (an escaped quote), `,` or a line break follow. */
  let closed = false;
  /** A `\r` outside quotes, kept back until the next character says whether it ends the line. */
  let carriageReturn = false;
  let recordBytes = 0;
  let line = 1;
  let recordLine = 1;
  let started = false;

  const endRecord = () => {
    fields.push(field);
    const record = fields;
    fields = [];
    field = '';
    closed = false;
    recordBytes = 0;
    const where = `line ${recordLine}`;
    if (record.length === 1 && record[0] === '') return;
    if (header === undefined) {
      header = record.map((name) => name.trim());
      const seen = new Set<string>();
      for (const name of header) {
        maker.columnOf(name, where);
        if (seen.has(name)) throw new ListError(`${where}: column ${printable(name)} is given twice`);
        seen.add(name);
      }
      if (!seen.has('number')) throw new ListError(`${where}: the header has no number column`);
      return;
    }
    if (record.length !== header.length)
      throw new ListError(`${where}: ${record.length} fields, while the header has ${header.length}`);
    const names = header;
    emit(
      maker.make(
        record.map((value, i) => [names[i] as string, value] as const),
        where,
      ),
    );
  };

  const append = (char: string) => {
    if (closed) throw new ListError(`line ${line}: text after a closing quote`);
    field += char;
  };

  const take = (char: string) => {
    if (carriageReturn) {
      carriageReturn = false;
      if (char !== '\n') append('\r');
    }
    if (quoted) {
      if (char === '"') {
        quoted = false;
        closed = true;
      } else {
        if (char === '\n') line++;
        field += char;
      }
      return;
    }
    if (char === '\r') {
      carriageReturn = true;
      return;
    }
    if (char === ',' || char === '\n') {
      if (char === ',') {
        fields.push(field);
        field = '';
        closed = false;
      } else {
        endRecord();
        line++;
        recordLine = line;
      }
      return;
    }
    if (char === '"' && (closed || field === '')) {
      // An opening quote, or the second of a doubled one after a closing quote.
      if (closed) field += '"';
      quoted = true;
      closed = false;
      return;
    }
    append(char);
  };

  const push = (text: string) => {
    let chunk = text;
    if (!started && chunk.length > 0) {
      started = true;
      chunk = chunk.replace(/^\uFEFF/, '');
    }
    for (const char of chunk) {
      recordBytes += utf8Bytes(char);
      if (recordBytes > MAX_RECORD_BYTES)
        throw new ListError(`line ${recordLine}: a record longer than ${MAX_RECORD_BYTES} bytes`);
      take(char);
    }
  };
  return {
    push,
    end() {
      carriageReturn = false;
      if (quoted) throw new ListError(`line ${recordLine}: a quote is never closed`);
      if (field !== '' || fields.length > 0 || closed) endRecord();
      if (header === undefined) throw new ListError('the list is empty: it needs a header with number');
    },
  };
};
