import { type JSONSchema7, toJsonSchema } from '@valibot/to-json-schema';
import { baseOf, type FieldDescriptions, type SchemaDescription } from '../shared/schema/field-descriptions';

/**
 * The JSON Schemas of the documents people write (`rules.schema.json`, `scenarios.schema.json`), for
 * editors: checks as they type, and each field's description on hover.
 */

/** Biome's line width, so that the committed schema passes `biome check` as printed. */
const JSON_LINE_WIDTH = 110;

/**
 * A valibot schema as a JSON Schema (draft-07) with these named definitions, titled, its schemas and
 * fields described from `descriptions` (editors show them on hover), printed as Biome would format it
 * (the committed files pass `biome check` as printed).
 */
export function printJsonSchema(
  schema: Parameters<typeof toJsonSchema>[0],
  definitions: NonNullable<Parameters<typeof toJsonSchema>[1]>['definitions'],
  title: string,
  descriptions: FieldDescriptions,
): string {
  const jsonSchema = toJsonSchema(schema, {
    errorMode: 'ignore',
    // Editors check what people write: defaults make keys optional, transformations are not applied.
    typeMode: 'input',
    ...(definitions === undefined ? {} : { definitions }),
    // Called for each schema once its properties are converted: the table describes it and them.
    overrideSchema: ({ valibotSchema, jsonSchema: converted }) => {
      describeJsonSchema(converted, descriptions.get(baseOf(valibotSchema)));
      return undefined;
    },
  });
  // `$schema` first, where readers look for it; the converter puts it after the properties.
  const { $schema, ...rest } = jsonSchema;
  return `${formatJson({ $schema, title, ...rest }, '')}\n`;
}

/**
 * JSON laid out like Biome's formatter: objects one key per line, arrays of plain values on one line
 * when they fit in the line width.
 */
function formatJson(value: unknown, indent: string, prefix = '', suffix = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    const plain = value.every((item) => item === null || typeof item !== 'object');
    if (plain && indent.length + prefix.length + flat.length + suffix.length <= JSON_LINE_WIDTH) return flat;
    const inner = `${indent}  `;
    const items = value.map(
      (item, i) => `${inner}${formatJson(item, inner, '', i < value.length - 1 ? ',' : '')}`,
    );
    return `[\n${items.map((item, i) => (i < value.length - 1 ? `${item},` : item)).join('\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([key, item], i) => {
      const keyText = `${JSON.stringify(key)}: `;
      const comma = i < entries.length - 1 ? ',' : '';
      return `${inner}${keyText}${formatJson(item, inner, keyText, comma)}${comma}`;
    });
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Adds a schema's description, and its fields', to its JSON Schema form. */
function describeJsonSchema(jsonSchema: JSONSchema7, description: SchemaDescription | undefined): void {
  if (description === undefined) return;
  jsonSchema.description = description.text;
  for (const [key, text] of Object.entries(description.fields)) {
    const property = jsonSchema.properties?.[key];
    if (typeof property === 'object') property.description = text;
  }
}
