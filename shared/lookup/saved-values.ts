import type { LookupNode } from '../rules/rules-schema';

// Placeholder until the full reader lands.
export function readSavedValues(
  save: LookupNode['save'],
  data: unknown,
): { ok: true; values: Record<string, string> } | { ok: false; why: 'missing' | 'invalid'; field: string } {
  const values: Record<string, string> = {};
  for (const [name, field] of Object.entries(save ?? {})) {
    let at: unknown = data;
    for (const step of field.from.split('.')) {
      if (typeof at !== 'object' || at === null || !Object.hasOwn(at, step))
        return { ok: false, why: 'missing', field: field.from };
      at = (at as Record<string, unknown>)[step];
    }
    const text =
      typeof at === 'string'
        ? at
        : typeof at === 'number' || typeof at === 'boolean'
          ? String(at)
          : undefined;
    if (text === undefined || Buffer.byteLength(JSON.stringify(text)) - 2 > field.maxBytes)
      return { ok: false, why: 'invalid', field: field.from };
    values[name] = text;
  }
  return { ok: true, values };
}
