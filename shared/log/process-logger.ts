import * as fs from 'node:fs';
import { getConfig, type LogLevel } from '../config/config';
import { createLogger, type Logger } from './logger';

/**
 * The instance's logger, writing JSON lines to stdout (collected by SLS when `logConfig` is set), at
 * the configured level; created on first use so that a bad environment is reported, not fatal. A host
 * (the simulator) may take the lines instead (`write`) and stamp them with its own clock (`now`).
 */
export function createProcessLogger(
  functionName: string,
  host: { readonly write?: ((line: string) => void) | undefined; readonly now?: () => number } = {},
): () => Logger {
  let logger: Logger | undefined;
  return () => {
    if (logger !== undefined) return logger;
    let level: LogLevel = 'info';
    try {
      level = getConfig().logLevel;
    } catch {
      // The callback path reports the configuration error itself, with the call it affected.
    }
    logger = createLogger(host.write ?? writeStdoutLine, level, { fn: functionName }, host.now);
    return logger;
  };
}

/**
 * Writes one line to stdout (fd 1) synchronously. `process.stdout` is never touched on this path: its
 * first use builds a stream (about 5 ms of CPU), which every FC instance would pay on its one cold
 * request. A line is written whole or not at all before the reply leaves, so nothing waits in a buffer
 * when FC freezes the instance. Where fd 1 is non-blocking and full (EAGAIN), the stream takes the line.
 */
function writeStdoutLine(line: string): void {
  const text = `${line}\n`;
  try {
    // Called through the module object, not a destructured import, so tests can capture the lines.
    const written = fs.writeSync(1, text);
    if (written === Buffer.byteLength(text)) return;
    process.stdout.write(Buffer.from(text).subarray(written));
  } catch {
    process.stdout.write(text);
  }
}
