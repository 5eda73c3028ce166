/**
 * A measured child of the analytics bench (scripts/bench/analytics.ts): `analytics FILE…` runs `npm run
 * analytics -- FILE… --json` (its output dropped), `parse FILE…` only reads the same files line by line and
 * parses each line as JSON (the floor any reader of JSON lines pays). Writes its CPU time, peak memory and
 * the lines it read as JSON to fd 3.
 */
import { writeSync } from 'node:fs';
import { readExportLines } from '../../dev/bounded-lines';
import { MAX_LOG_LINE_CHARS } from '../../shared/log/log-export';
import { main } from '../analytics/analytics';

async function run(mode: string | undefined, files: readonly string[]): Promise<void> {
  const started = process.cpuUsage();
  let lines = 0;
  if (mode === 'analytics') {
    const parts: string[] = [];
    const code = await main([...files, '--json'], {
      out: (text) => void parts.push(text),
      err: () => undefined,
    });
    if (code !== 0) throw new Error(`analytics exited with ${code}`);
    lines = (JSON.parse(parts.join('')) as { read: { lines: number } }).read.lines;
  } else if (mode === 'parse') {
    for (const file of files)
      for await (const line of readExportLines(file, MAX_LOG_LINE_CHARS)) {
        if (line !== undefined) JSON.parse(line);
        lines++;
      }
  } else throw new Error(`unknown mode ${mode}`);
  const cpu = process.cpuUsage(started);
  writeSync(
    3,
    JSON.stringify({
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
      lines,
    }),
  );
}

const [mode, ...files] = process.argv.slice(2);
void run(mode, files);
