/**
 * What each field of a user-written document means, kept apart from its valibot schema: the function
 * bundles carry the schemas, and the descriptions would add kilobytes to every cold start that no call
 * needs. The JSON Schemas for editors (hover help) and the validation messages (`turns is required: …`)
 * both read them from here, so each fact is written once.
 */

/** A schema as the table keys it: any valibot schema (only its identity is used). */
type AnySchema = object;

/** The entries of an object schema, however wrapped (`v.pipe(v.strictObject(…), v.check(…))` too). */
type ObjectLike = { readonly entries: Readonly<Record<string, unknown>> };

/** One schema's description and, for an object, its fields'. */
export type SchemaDescription = {
  readonly text: string;
  readonly fields: Readonly<Record<string, string>>;
};

/** Descriptions by schema. Build one with {@link describeSchemas}. */
export type FieldDescriptions = ReadonlyMap<AnySchema, SchemaDescription>;

/** A line of a table: a schema, what it is, and (objects) every one of its fields, which `tsc` checks. */
export type DescribedSchema = readonly [schema: AnySchema, text: string, fields?: Record<string, string>];

/** An object schema, its description, and a description of every field (a missing one fails `tsc`). */
export function describeObject<S extends ObjectLike>(
  schema: S,
  text: string,
  fields: { readonly [K in keyof S['entries'] & string]: string },
): DescribedSchema {
  return [schema, text, fields];
}

/** A schema that is not an object (a union, a text format), and its description. */
export function describeSchema(schema: AnySchema, text: string): DescribedSchema {
  return [schema, text];
}

/** The table of several described schemas, keyed by the schema itself (see {@link baseOf}). */
export function describeSchemas(lines: readonly DescribedSchema[]): FieldDescriptions {
  return new Map(lines.map(([schema, text, fields]) => [baseOf(schema), { text, fields: fields ?? {} }]));
}

/**
 * The schema a piped schema starts from. `v.pipe(base, …)` returns a new object, and JSON Schema
 * converters see only the base: the table keys both by it.
 */
export function baseOf(schema: AnySchema): AnySchema {
  let base = schema;
  while ('pipe' in base && Array.isArray(base.pipe) && base.pipe[0] !== undefined && base.pipe[0] !== base) {
    base = base.pipe[0] as AnySchema;
  }
  return base;
}

/** The description of a field of an object schema, if the table has it. */
export function describeField(
  descriptions: FieldDescriptions | undefined,
  schema: AnySchema,
  key: string,
): string | undefined {
  return descriptions?.get(baseOf(schema))?.fields[key];
}

/**
 * The first clause of a description, as it reads after "X is required: " — `The node the call goes to.
 * Must name …` gives `next is required: the node the call goes to`. Descriptions are written so that it does.
 */
export function firstClause(description: string): string {
  const clause = /^(.*?)[.;](?:\s|$)/s.exec(description)?.[1] ?? description;
  // `ASR model` keeps its capitals; `The caller's number` reads `the caller's number`.
  return /^[A-Z][a-z]/.test(clause) ? `${clause[0]?.toLowerCase()}${clause.slice(1)}` : clause;
}
