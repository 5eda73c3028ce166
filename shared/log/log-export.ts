/**
 * Lines of a log export, as the functions wrote them or as SLS exports them: a line is the function's
 * own JSON object, or an SLS record that holds that JSON as text in `content` or `message`. Read by
 * whatever reads a log back (the simulator's replay, `npm run outcomes`), which says what it takes.
 */

/** The longest line read: a function's log line is a few KB; a longer one is junk, skipped. */
export const MAX_LOG_LINE_CHARS = 64 * 1024;

/** The fields of an SLS record that may hold the function's own line, as JSON text. */
const ENVELOPE_FIELDS = ['content', 'message'] as const;

/**
 * What `take` makes of one line of an export: of the line's JSON itself, else of the JSON text its
 * `content` or `message` holds; undefined when neither is taken, or the line is longer than
 * {@link MAX_LOG_LINE_CHARS} or not JSON.
 */
export function readLogLine<T>(raw: string, take: (value: unknown) => T | undefined): T | undefined {
  if (raw.length > MAX_LOG_LINE_CHARS) return undefined;
  const value = parseJson(raw);
  const taken = take(value);
  if (taken !== undefined || value === null || typeof value !== 'object') return taken;
  for (const key of ENVELOPE_FIELDS) {
    const inner = (value as Record<string, unknown>)[key];
    if (typeof inner === 'string') return take(parseJson(inner));
  }
  return undefined;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
