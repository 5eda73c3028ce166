import { LOG_LEVELS, type LogLevel } from '../config/config';
import { maskPhoneNumber } from './mask';

export type { LogLevel };
export type LogFields = Record<string, unknown>;

export type Logger = {
  readonly debug: (msg: string, fields?: LogFields) => void;
  readonly info: (msg: string, fields?: LogFields) => void;
  readonly warn: (msg: string, fields?: LogFields) => void;
  readonly error: (msg: string, fields?: LogFields) => void;
  /** Logs a warning the first time `key` is seen in this instance, then never again. */
  readonly warnOnce: (key: string, msg: string, fields?: LogFields) => void;
  /**
   * Log fields for an unknown thrown value: its name and message always, its stack trace the first time
   * this instance logs that kind of error (a broken rules document would otherwise put the same 1.4 KB
   * trace on every callback). The stack stays in the log, never in a reply.
   */
  readonly describeError: (error: unknown) => LogFields;
};

/** A level's rank: its place in {@link LOG_LEVELS}. */
const RANK = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/**
 * A logger writing one JSON object per line, which is what SLS indexes best. Callers pass fields
 * that are already masked; the logger adds level, message and time (read from `now`).
 */
export function createLogger(
  write: (line: string) => void,
  minLevel: LogLevel = 'info',
  base: LogFields = {},
  now: () => number = Date.now,
): Logger {
  const warned = new Set<string>();
  const stacksLogged = new Set<string>();
  const minRank = RANK(minLevel);
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK(level) < minRank) return;
    const line = { level, msg, time: new Date(now()).toISOString(), ...base, ...fields };
    const text = JSON.stringify(line);
    // Most lines hold no number to mask (the callers' are masked where they are built): one scan of the
    // text tells, and only a line that holds one is walked field by field and written again.
    write(HAS_PHONE_NUMBER.test(text) ? JSON.stringify(maskPhoneNumbersIn(line, 0)) : text);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    warnOnce: (key, msg, fields) => {
      if (warned.has(key)) return;
      warned.add(key);
      emit('warn', msg, fields);
    },
    describeError: (error) => {
      if (!(error instanceof Error)) return { error: { message: String(error) } };
      const kind = `${error.name}: ${error.message}`.slice(0, 300);
      if (stacksLogged.has(kind) || stacksLogged.size >= MAX_KINDS_WITH_STACKS) {
        return { error: { name: error.name, message: error.message, stackLogged: true } };
      }
      stacksLogged.add(kind);
      return { error: { name: error.name, message: error.message, stack: error.stack } };
    },
  };
}

/** Error kinds whose stack an instance logs: beyond that, kinds are hostile or endless, stacks stop. */
const MAX_KINDS_WITH_STACKS = 100;

/** How deep {@link maskPhoneNumbersIn} reads: log fields are shallow; deeper values are cut. */
const MAX_FIELD_DEPTH = 6;

/**
 * A phone number as people and systems write them, not inside a longer run of letters or digits (ids,
 * call ids, times): a mobile number (`13800138000`, `+86 138 0013 8000`, `1380 013 8000`), a fixed line
 * with its area code (`0592-3391657`, `(010) 6552 9988`, `+86 10 6552 9988`) or a 400/800 service number
 * (`400-820-1234`). Separators are a space, a tab, `-` or `.`.
 */
const PHONE_NUMBER_SOURCE =
  '(?<![0-9A-Za-z])(?:(?:\\+|00)86[-\\s.]?(?:\\(0\\))?)?(?:' +
  '1[3-9][0-9](?:[-\\s.]?[0-9]){8}' +
  '|\\(?0?[1-9][0-9]{1,2}\\)?[-\\s.]?[0-9]{3,4}[-\\s.]?[0-9]{4}' +
  '|[48]00[-\\s.]?[0-9]{3,4}[-\\s.]?[0-9]{3,4}' +
  ')(?![0-9A-Za-z])';
const PHONE_NUMBER = new RegExp(PHONE_NUMBER_SOURCE, 'g');
/** The same, for a yes-or-no scan of a whole line (a global regex keeps state between tests). */
const HAS_PHONE_NUMBER = new RegExp(PHONE_NUMBER_SOURCE);

/**
 * `text` with every phone number in it masked, by the rules the logger masks its lines with: for what a
 * command prints of files it read (already masked, masked again in case).
 */
export function maskPhoneNumbersInText(text: string): string {
  return text.replace(PHONE_NUMBER, maskPhoneNumber);
}

/** Fields that hold ids and times, never anyone's number: left as written, so that they can be searched. */
export const ID_FIELDS: ReadonlySet<string> = new Set([
  'requestId',
  'callId',
  'time',
  'rulesVersion',
  'build',
  'fn',
]);

/**
 * Masks every phone number in a log line, in any field, whoever it belongs to: the fields callers name
 * are masked where they are built, and this catches the rest (a receipt's `out_id`, a status message, a
 * trace naming a transfer target). Numbers in number form are masked too, as text.
 */
function maskPhoneNumbersIn(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPhoneNumbersInText(value);
  if (typeof value === 'number') {
    const text = String(value);
    const masked = maskPhoneNumbersInText(text);
    return masked === text ? value : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_FIELD_DEPTH) return '[deeper fields left out]';
  if (Array.isArray(value)) return value.map((item) => maskPhoneNumbersIn(item, depth + 1));
  const masked: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Keys are masked too (a sender may key a record by a number); id fields keep their values.
    const maskedKey = maskPhoneNumbersInText(key);
    masked[maskedKey] = depth === 0 && ID_FIELDS.has(key) ? item : maskPhoneNumbersIn(item, depth + 1);
  }
  return masked;
}
