import type { Lookup } from '../rules/rules-schema';
import type { HeaderPart, LookupRequest } from './lookup-types';

// Placeholder until the full builder lands: values encoded, origin fixed.
const TEMPLATE = /\{\{\s*(caller|vars\.[A-Za-z][A-Za-z0-9_-]{0,31}|env\.[A-Z0-9_]{1,64})\s*\}\}/g;

export function buildLookupRequest(
  name: string,
  lookup: Lookup,
  values: { caller: string; vars: Readonly<Record<string, string>> },
): LookupRequest {
  const read = (expression: string) =>
    expression === 'caller'
      ? values.caller
      : expression.startsWith('vars.')
        ? (values.vars[expression.slice(5)] ?? '')
        : '';
  const fill = (text: string, encode: (value: string) => string) =>
    text.replace(TEMPLATE, (_, e: string) => encode(read(e)));
  const url = new URL(fill(lookup.url, encodeURIComponent));
  for (const [key, text] of Object.entries(lookup.query ?? {}))
    url.searchParams.set(
      key,
      fill(text, (x) => x),
    );
  const headers = Object.entries(lookup.headers ?? {}).map(([key, text]): [string, HeaderPart[]] => {
    const parts: HeaderPart[] = [];
    let last = 0;
    for (const match of text.matchAll(TEMPLATE)) {
      parts.push(text.slice(last, match.index));
      const expression = match[1] ?? '';
      parts.push(expression.startsWith('env.') ? { env: expression.slice(4) } : read(expression));
      last = (match.index ?? 0) + match[0].length;
    }
    parts.push(text.slice(last));
    return [key, parts.filter((p) => p !== '')];
  });
  const body =
    lookup.body === undefined
      ? undefined
      : JSON.stringify(
          Object.fromEntries(Object.entries(lookup.body).map(([k, t]) => [k, fill(t, (x) => x)])),
        );
  return {
    name,
    method: lookup.method ?? 'GET',
    url: url.href,
    headers,
    body,
    timeoutMs: lookup.timeoutMs ?? 1500,
    maxBytes: lookup.maxBytes ?? 16384,
  };
}
