/**
 * The YAML parser, bundled on its own as `dist/<function>/yaml-parser.js` and loaded only when a rules
 * document is YAML, so that JSON rules (and every cold start that reads them) never pay for it. js-yaml
 * rather than `yaml` for speed on large documents (`npm run bench` times a 10,000-number YAML document).
 */
import { CORE_SCHEMA, load, mergeTag, YAMLException } from 'js-yaml';

/** YAML 1.2 core schema, plus `<<` merge keys so that documents can share settings through anchors. */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** Parses YAML text into plain data; throws with the line and column of the first error. Duplicate keys are errors. */
export function parseYaml(text: string): unknown {
  try {
    return load(text, { schema: SCHEMA, maxAliases: 1000 });
  } catch (error) {
    // One line that says where, rather than js-yaml's multi-line snippet.
    if (error instanceof YAMLException && error.mark !== undefined) {
      throw new Error(`${error.reason} at line ${error.mark.line + 1}, column ${error.mark.column + 1}`);
    }
    throw error;
  }
}
