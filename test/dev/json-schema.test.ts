import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { ROOT } from '../../dev/fc-event';
import { printJsonSchema } from '../../dev/json-schema';
import { RulesSchema } from '../../shared/rules/rules-schema';
import { RULES_DESCRIPTIONS } from '../../shared/rules-tooling/rules-descriptions';
import { describeField, describeObject, describeSchemas } from '../../shared/schema/field-descriptions';

/**
 * The places of a JSON Schema that have no description: every property, every object with properties
 * (a node type, a member of a union) and every named definition. Editors show descriptions on hover.
 */
function findUndescribed(node: unknown, path: string, found: string[] = []): string[] {
  if (typeof node !== 'object' || node === null) return found;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) findUndescribed(item, `${path}[${i}]`, found);
    return found;
  }
  const schema = node as Record<string, unknown>;
  const described = typeof schema.description === 'string' && schema.description.length > 0;
  // A definition or property is reported as such; an object elsewhere (a union's member) here.
  if (typeof schema.properties === 'object' && !described && !found.includes(path)) found.push(path);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs') {
      for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
        const childPath = `${path}.${key}.${name}`;
        const childDescribed = typeof (child as { description?: unknown }).description === 'string';
        if (!childDescribed) found.push(childPath);
        findUndescribed(child, childPath, found);
      }
    } else if (typeof value === 'object') findUndescribed(value, `${path}.${key}`, found);
  }
  return found;
}

const readSchema = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

describe('the JSON Schemas for editors', () => {
  for (const file of ['rules.schema.json', 'scenarios.schema.json', 'utterances.schema.json']) {
    it(`describe every field, node type and definition of ${file}`, () => {
      assert.deepEqual(
        findUndescribed(readSchema(file), '#'),
        [],
        `describe these in the descriptions table of ${file}'s schemas`,
      );
    });
  }

  it('keeps the descriptions out of the function bundles, which import only the schemas', () => {
    // Inline, they would add about 17 KB to each callback bundle that no call needs (measured when chosen).
    const version =
      describeField(RULES_DESCRIPTIONS, RulesSchema, 'version') ?? assert.fail('version is described');
    for (const name of ['inbound', 'outbound']) {
      const bundle = readFileSync(join(ROOT, 'dist', name, 'index.js'), 'utf8');
      assert.ok(bundle.includes('require("./word-issues.js")'), `dist/${name}/index.js words issues`);
      assert.ok(!bundle.includes(version), `dist/${name}/index.js carries the rules' descriptions`);
    }
  });

  it('finds a field, an object and a definition left without a description', () => {
    const Inner = v.strictObject({ a: v.string() });
    const Outer = v.strictObject({ inner: Inner, b: v.number() });
    const descriptions = describeSchemas([
      describeObject(Outer, 'The outer object.', { inner: 'An inner object.', b: 'A count.' }),
    ]);
    const printed = JSON.parse(printJsonSchema(Outer, { Inner }, 'test', descriptions));
    assert.deepEqual(findUndescribed(printed, '#'), ['#.$defs.Inner', '#.$defs.Inner.properties.a']);
    assert.equal(printed.properties.b.description, 'A count.');
  });
});
