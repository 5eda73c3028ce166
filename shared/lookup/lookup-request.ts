import { splitLookupUrl } from '../rules/lookup-checks';
import type { Lookup } from '../rules/rules-schema';
import { type LookupTemplatePart, readLookupTemplate } from '../rules/templates';
import type { HeaderPart, LookupRequest } from './lookup-types';

/** What a lookup's templates are filled with: the caller's number and the call's saved values. */
export type LookupValues = { readonly caller: string; readonly vars: Readonly<Record<string, string>> };

/**
 * A lookup ready to send, or why it cannot be sent as written (the node then goes to `onError`, as for
 * `unsendable`). `detail` names the part, never a value: values may be a PIN or an account number.
 */
export type BuiltLookupRequest =
  | { readonly ok: true; readonly request: LookupRequest }
  | { readonly ok: false; readonly why: 'unsendable'; readonly detail: string };

/**
 * Fills a compiled lookup's templates with the call's values. Each value is encoded where it lands, so no
 * value changes more than its own place:
 * - in the url's path, as part of ONE segment (`encodeURIComponent`: `/ ? # @` are escaped). A segment
 *   that values make `.`, `..` (in any spelling URL parsers resolve, `%2e` included) or empty is refused
 *   rather than sent: the parser would move the path to another resource of the server;
 * - in `query`, through `URLSearchParams`; in `body`, through `JSON.stringify` of the flat object;
 * - in headers as text (a value that is not printable ASCII, which a header cannot carry, is refused),
 *   and `{{env.LOOKUP_…}}` left as `{env}` parts for the edge to read.
 * The origin is the document's, never templated (compileRules refuses a template there), and checked
 * again on the result. An unset variable reads as ''. Pure: no env, no clock.
 */
export function buildLookupRequest(name: string, lookup: Lookup, values: LookupValues): BuiltLookupRequest {
  const parts = splitLookupUrl(lookup.url);
  if (parts === undefined) return refuse('the url is not scheme://host/path');
  const segments: string[] = [];
  for (const segment of parts.path.split('/')) {
    const template = readLookupTemplate(segment);
    const filled = fillText(template, values, encodePathValue);
    if (template.some((part) => part.kind !== 'text') && /^(?:\.|%2e){0,2}$/i.test(filled)) {
      return refuse('a value would make a path segment empty, "." or "..", which moves the path');
    }
    segments.push(filled);
  }
  let url: URL;
  let origin: string;
  try {
    url = new URL(`${parts.origin}${segments.join('/')}${parts.rest}`);
    origin = new URL(parts.origin).origin;
  } catch {
    return refuse('the url does not parse');
  }
  if (url.origin !== origin) return refuse('the origin would change');
  for (const [key, text] of Object.entries(lookup.query ?? {}))
    url.searchParams.append(key, fillText(readLookupTemplate(text), values, String));
  const headers: [string, HeaderPart[]][] = [];
  for (const [header, text] of Object.entries(lookup.headers ?? {})) {
    const value = fillHeader(readLookupTemplate(text), values);
    if (value === undefined) return refuse(`a value in header ${header} is not printable ASCII`);
    headers.push([header, value]);
  }
  const body =
    lookup.body === undefined
      ? undefined
      : JSON.stringify(
          Object.fromEntries(
            Object.entries(lookup.body).map(([key, text]) => [
              key,
              fillText(readLookupTemplate(text), values, String),
            ]),
          ),
        );
  return {
    ok: true,
    request: {
      name,
      method: lookup.method,
      url: url.href,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: lookup.timeoutMs,
      maxBytes: lookup.maxBytes,
    },
  };
}

function refuse(detail: string): BuiltLookupRequest {
  return { ok: false, why: 'unsendable', detail };
}

/** The value a template part stands for; `env` and unknown forms have none here. */
function readPart(part: LookupTemplatePart, values: LookupValues): string | undefined {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'caller':
      return values.caller;
    case 'var':
      return Object.hasOwn(values.vars, part.name) ? (values.vars[part.name] ?? '') : '';
    case 'env':
      return undefined;
    case 'other':
      // compileRules refuses these: a compiled lookup has none. Left as written, never filled.
      return `{{${part.expression}}}`;
  }
}

/** Written text as it is; each filled-in value through `encode`. */
function fillText(
  parts: readonly LookupTemplatePart[],
  values: LookupValues,
  encode: (value: string) => string,
): string {
  return parts
    .map((part) => {
      const value = readPart(part, values) ?? '';
      return part.kind === 'text' || part.kind === 'other' ? value : encode(value);
    })
    .join('');
}

/** A header's parts, adjacent texts joined; undefined when a filled-in value is not printable ASCII. */
function fillHeader(parts: readonly LookupTemplatePart[], values: LookupValues): HeaderPart[] | undefined {
  const filled: HeaderPart[] = [];
  for (const part of parts) {
    const value = readPart(part, values);
    if (value === undefined) {
      if (part.kind === 'env') filled.push({ env: part.name });
      continue;
    }
    // CR or LF would start another header; anything above 0x7e is refused or garbled by fetch.
    if (part.kind !== 'text' && !/^[\x20-\x7e]*$/.test(value)) return undefined;
    const last = filled.at(-1);
    if (typeof last === 'string') filled[filled.length - 1] = last + value;
    else filled.push(value);
  }
  return filled;
}

/**
 * A value as part of one path segment: lone UTF-16 surrogates (which a JSON answer may hold and
 * `encodeURIComponent` throws on) become U+FFFD, as `URLSearchParams` makes them in the query.
 */
function encodePathValue(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
