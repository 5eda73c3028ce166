/**
 * The YAML parser, bundled on its own as `dist/<function>/yaml-parser.js` and loaded only when a rules
 * document is YAML: it is about twice the size of a whole function bundle, and most deployments, and
 * every cold start that reads JSON rules, never need it.
 */
import { parse } from 'yaml';

/** Parses YAML 1.2 text into plain data; throws with the line and column of the first error. */
export function parseYaml(text: string): unknown {
  return parse(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
}
