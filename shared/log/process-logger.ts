import { getConfig, type LogLevel } from '../config/config';
import { createLogger, type Logger } from './logger';

/**
 * The instance's logger, writing JSON lines to stdout (collected by SLS when `logConfig` is set), at
 * the configured level; created on first use so that a bad environment is reported, not fatal.
 */
export function createProcessLogger(functionName: string): () => Logger {
  let logger: Logger | undefined;
  return () => {
    if (logger !== undefined) return logger;
    let level: LogLevel = 'info';
    try {
      level = getConfig().logLevel;
    } catch {
      // The callback path reports the configuration error itself, with the call it affected.
    }
    logger = createLogger((line) => process.stdout.write(`${line}\n`), level, { fn: functionName });
    return logger;
  };
}
