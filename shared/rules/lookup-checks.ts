import type { DocumentIssue } from '../schema/document-issues';
import type { Lookup, Rules } from './rules-schema';
import {
  hasStrayBraces,
  LOOKUP_ENV_PREFIX,
  type LookupTemplatePart,
  listLookupTexts,
  readLookupTemplate,
  TEMPLATE_PATTERN,
} from './templates';

/**
 * The checks of a document's `lookups` that need more than the schema: a fixed https origin, templates
 * only where their values are encoded, secrets only in headers and only from `LOOKUP_` variables. Values
 * are filled in at call time by `buildLookupRequest` (shared/lookup/lookup-request.ts), which splits the
 * url as {@link splitLookupUrl} does here.
 */

/**
 * A lookup url in three parts, as written: the origin (`https://host:port`, fixed), the path (where
 * values may go) and the rest (a fixed query). Undefined when it does not start with `scheme://`.
 */
export type LookupUrlParts = { readonly origin: string; readonly path: string; readonly rest: string };

export function splitLookupUrl(url: string): LookupUrlParts | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s.exec(url);
  if (match === null) return undefined;
  return { origin: match[1] ?? '', path: match[2] ?? '', rest: match[3] ?? '' };
}

/** Hosts plain `http://` may reach: this machine only, where nothing on the way can read the request. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

const TEMPLATE_HELP = 'write {{caller}} or {{vars.NAME}}';

export function* findLookupIssues(rules: Rules): Generator<DocumentIssue> {
  for (const [name, lookup] of Object.entries(rules.lookups ?? {})) {
    const base = `lookups.${name}`;
    yield* findUrlIssues(`${base}.url`, lookup.url);
    for (const { path, text } of listLookupTexts(lookup)) {
      if (path === 'url') continue;
      yield* findTextIssues(`${base}.${path}`, text, path.startsWith('headers.') ? 'header' : 'value');
    }
  }
}

/** The template checks every text of a lookup gets; `where` says whether secrets and bytes matter. */
function* findTextIssues(path: string, text: string, where: 'value' | 'header'): Generator<DocumentIssue> {
  if (hasStrayBraces(text)) {
    yield {
      path,
      message: `a {{ or }} here is not a template (a name in double braces, no space within the name); ${TEMPLATE_HELP}`,
    };
  }
  for (const part of readLookupTemplate(text)) {
    const issue = describePartIssue(part, where);
    if (issue !== undefined) yield { path, message: issue };
  }
}

function describePartIssue(part: LookupTemplatePart, where: 'value' | 'header'): string | undefined {
  switch (part.kind) {
    case 'other':
      return `{{${part.expression}}} is not a lookup template; ${TEMPLATE_HELP}${where === 'header' ? ', or {{env.LOOKUP_NAME}} for a secret' : ''}`;
    case 'env':
      if (where !== 'header') {
        return (
          `{{env.${part.name}}} may appear in headers only: a secret in a url, query or body is logged by the ` +
          `servers it passes; send it as a header, such as Authorization: "Bearer {{env.${part.name}}}"`
        );
      }
      if (!part.name.startsWith(LOOKUP_ENV_PREFIX)) {
        return (
          `a lookup reads only environment variables whose names start with ${LOOKUP_ENV_PREFIX}, so that a ` +
          `rules document cannot send the functions' own secrets; name it ${LOOKUP_ENV_PREFIX}${part.name}`
        );
      }
      return undefined;
    case 'text':
      // fetch sends header values as bytes: text outside printable ASCII is refused, or garbled.
      return where === 'header' && !/^[\x20-\x7e]*$/.test(part.text)
        ? 'a header value is sent as bytes: write it in printable ASCII (no Chinese, tabs or line breaks)'
        : undefined;
    case 'caller':
    case 'var':
      return undefined;
  }
}

function* findUrlIssues(path: string, url: string): Generator<DocumentIssue> {
  // Templates may have spaces inside their braces (`{{ caller }}`), as prompts do.
  if (/[\s\\\p{Cc}]/u.test(url.replace(TEMPLATE_PATTERN, ''))) {
    yield {
      path,
      message:
        'a lookup url has no spaces, line breaks or backslashes (URL parsers read them in surprising ways); ' +
        'percent-encode them (%20) or remove them',
    };
    return;
  }
  const parts = splitLookupUrl(url);
  if (parts === undefined) {
    yield { path, message: 'write the url in full, as https://host/path' };
    return;
  }
  yield* findTextIssues(path, url, 'value');
  const wrong = [...findOriginIssues(parts)];
  for (const message of wrong) yield { path, message };
  if (wrong.length > 0) return;
  // Each value lands in the path encoded, so a placeholder stands for any of them.
  const filled = `${parts.origin}${parts.path.replace(/\{\{[^{}]*\}\}/g, 'x')}${parts.rest}`;
  let parsed: URL;
  try {
    parsed = new URL(filled);
  } catch {
    yield { path, message: 'this url does not parse: write it as https://host/path' };
    return;
  }
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.includes(parsed.hostname)) {
    yield {
      path,
      message:
        "plain http:// can be read and changed by anyone on the way, and a lookup carries callers' data and " +
        'secrets: use https:// (http:// is accepted only to 127.0.0.1, localhost or [::1], for tests)',
    };
  } else if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    yield { path, message: `a lookup is an HTTPS request: write https://… instead of ${parsed.protocol}//…` };
  }
}

/** What is wrong with where a url's templates stand, or with its origin: no value may move it. */
function* findOriginIssues(parts: LookupUrlParts): Generator<string> {
  if (readLookupTemplate(parts.origin).some((part) => part.kind !== 'text') || hasStrayBraces(parts.origin)) {
    yield "the url's origin (scheme, host and port) is fixed, so that no value can send a caller's data elsewhere: " +
      '{{…}} may appear in its path only';
  }
  if (readLookupTemplate(parts.rest).some((part) => part.kind !== 'text')) {
    yield '{{…}} may appear in the url\'s path only: write query parameters under query (phone: "{{caller}}"), ' +
      'where each value is encoded';
  }
  if (parts.rest.includes('#')) yield 'a request carries no fragment: remove the # and what follows it';
  if (parts.origin.includes('@')) {
    yield 'a user name or password in the url (user:secret@host) would be logged with it: send credentials ' +
      'in headers, from {{env.LOOKUP_NAME}} variables';
  }
}

/** The lookup a node uses, when the document has it (own names only: `constructor` is not one). */
export function findLookup(lookups: Rules['lookups'], name: string): Lookup | undefined {
  return lookups !== undefined && Object.hasOwn(lookups, name) ? lookups[name] : undefined;
}
