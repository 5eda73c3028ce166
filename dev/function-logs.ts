import fs from 'node:fs';

/**
 * Routes what the built functions log to `take` instead of stdout. The functions write their lines with
 * `fs.writeSync(1, …)` (shared/log/process-logger.ts), past `process.stdout`; a test process, the fuzz run
 * and the bench each need those lines elsewhere (in order with the test runner's reports, scanned,
 * dropped). Other file descriptors are untouched. Returns the function that restores the real write.
 */
export function routeFunctionLogs(take: (text: string) => void): () => void {
  const realWriteSync = fs.writeSync;
  (fs as { writeSync: typeof fs.writeSync }).writeSync = ((
    fd: number,
    data: string | Uint8Array,
    ...rest: unknown[]
  ) => {
    if (fd !== 1) return (realWriteSync as (...args: unknown[]) => number)(fd, data, ...rest);
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    take(text);
    return Buffer.byteLength(text);
  }) as typeof fs.writeSync;
  return () => {
    (fs as { writeSync: typeof fs.writeSync }).writeSync = realWriteSync;
  };
}
