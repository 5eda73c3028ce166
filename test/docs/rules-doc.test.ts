/**
 * The rules guide has a section for every node type, with an example the schema accepts: a reader who
 * copies one gets a node that loads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load as parseYaml } from 'js-yaml';
import * as v from 'valibot';
import { NodeSchema } from '../../shared/rules/rules-schema';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { fencedBlocks, readPage } from './markdown';

const GUIDE = readPage('docs/rules.md');
const TYPES = NodeSchema.options.map((option) => option.entries.type.literal);

/** The body of the `### \`type\`` section of the guide. */
function nodeSection(type: string): string | undefined {
  const start = GUIDE.indexOf(`\n### \`${type}\`\n`);
  if (start === -1) return undefined;
  const end = GUIDE.indexOf('\n### ', start + 1);
  return GUIDE.slice(start, end === -1 ? undefined : end);
}

describe('docs/rules.md: the node types', () => {
  it('knows every node type of the schema', () => {
    assert.ok(TYPES.length >= 7, `only ${TYPES.join(', ')}`);
  });

  for (const type of TYPES) {
    it(`${type}: a section, with an example the schema accepts as that type`, () => {
      const section = nodeSection(type);
      assert.ok(section !== undefined, `docs/rules.md has no section ### \`${type}\``);
      const [example] = fencedBlocks(section, 'yaml');
      assert.ok(example !== undefined, `the ${type} section has no yaml example`);
      const nodes = parseYaml(example.body) as Record<string, unknown>;
      const entries = Object.entries(nodes);
      assert.equal(entries.length, 1, `the ${type} example is one node`);
      for (const [name, node] of entries) {
        const result = v.safeParse(NodeSchema, node);
        assert.ok(
          result.success,
          `${type} example ${name}: ${result.issues?.map((issue) => issue.message).join('; ')}`,
        );
        assert.equal(result.output.type, type);
      }
    });
  }
});

describe('docs/rules.md: lookups', () => {
  it('shows a lookup and the flow that calls it, which the linter passes without a finding', () => {
    const start = GUIDE.indexOf('\n## Lookups\n');
    assert.ok(start !== -1, 'docs/rules.md has no section ## Lookups');
    const [example] = fencedBlocks(GUIDE.slice(start), 'yaml');
    assert.ok(example !== undefined, 'the Lookups section has no yaml example');
    const document = { version: 'v1', defaultLine: { flow: 'main' }, ...(parseYaml(example.body) as object) };
    const { errors, warnings } = lintRules(document);
    assert.deepEqual([...errors, ...warnings], []);
  });
});
