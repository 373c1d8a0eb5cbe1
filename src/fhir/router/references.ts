// Reference rewriting for transaction bundles: every `reference` that names an
// entry's fullUrl (urn:uuid:..., urn:oid:... or an absolute URL) becomes the
// server-assigned `Type/id`; placeholders that name no entry are refused.
import { fail } from './outcome.js';
import type { FhirResource } from '../types.js';

/** Rewrite `resource` in place; `where` is a FHIRPath prefix for errors (e.g. 'Bundle.entry[2].resource'). */
export function rewriteReferences(resource: FhirResource, map: ReadonlyMap<string, string>, where: string): void {
  walk(resource, map, where);
}

/** Refuse urn placeholders (they only make sense inside a transaction). */
export function rejectPlaceholders(resource: unknown, where: string): void {
  walk(resource, new Map(), where);
}

function walk(node: unknown, map: ReadonlyMap<string, string>, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, map, `${path}[${i}]`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'reference' && typeof value === 'string') {
      const target = map.get(value);
      if (target !== undefined) obj[key] = target;
      else if (/^urn:(uuid|oid):/i.test(value)) fail('MALFORMED', 'reference to a placeholder that no entry defines', { expression: `${path}.reference` });
    } else {
      walk(value, map, `${path}.${key}`);
    }
  }
}
