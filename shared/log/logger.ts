import { LOG_LEVELS, type LogLevel } from '../config/config';

export type { LogLevel };
export type LogFields = Record<string, unknown>;

export type Logger = {
  readonly debug: (msg: string, fields?: LogFields) => void;
  readonly info: (msg: string, fields?: LogFields) => void;
  readonly warn: (msg: string, fields?: LogFields) => void;
  readonly error: (msg: string, fields?: LogFields) => void;
  /** Logs a warning the first time `key` is seen in this instance, then never again. */
  readonly warnOnce: (key: string, msg: string, fields?: LogFields) => void;
};

/** A level's rank: its place in {@link LOG_LEVELS}. */
const RANK = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/**
 * A logger writing one JSON object per line, which is what SLS indexes best. Callers pass fields
 * that are already masked; the logger adds level, message and time.
 */
export function createLogger(
  write: (line: string) => void,
  minLevel: LogLevel = 'info',
  base: LogFields = {},
): Logger {
  const warned = new Set<string>();
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK(level) < RANK(minLevel)) return;
    write(JSON.stringify({ level, msg, time: new Date().toISOString(), ...base, ...fields }));
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
  };
}

/** Describes an unknown thrown value for a log line (the full stack stays in the log, never in a reply). */
export function describeError(error: unknown): LogFields {
  if (error instanceof Error)
    return { error: { name: error.name, message: error.message, stack: error.stack } };
  return { error: { message: String(error) } };
}
