// Conditional references in transaction bundles (R4 http.html#trules: a
// reference such as `Organization?identifier=sys|val` is resolved by a
// search; exactly one match replaces it with `Type/id`, none or several
// fail the transaction). Entries of the same bundle are looked at first (an
// Organization created by this bundle, matched by identifier), then the
// server, searched as the caller: a resource the caller may not see is no
// match. Nothing is ever stored with an unresolved conditional reference.
import { contextFor, type RouterEnv } from './env.js';
import { fail } from './outcome.js';
import { parseSearchQuery, type QueryParams } from './params.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';
import type { FhirResource, TokenParam } from '../types.js';

const CONDITIONAL = /^([A-Z][A-Za-z]{1,63})\?(.+)$/;

/** Every `reference` string inside `node`, with its FHIRPath. */
export function referencesIn(node: unknown, path: string, out: Array<{ ref: string; path: string }> = []): Array<{ ref: string; path: string }> {
  if (Array.isArray(node)) node.forEach((item, i) => referencesIn(item, `${path}[${i}]`, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string') out.push({ ref: v, path: `${path}.reference` });
      else referencesIn(v, `${path}.${k}`, out);
    }
  }
  return out;
}

export function isConditional(ref: string): boolean {
  return CONDITIONAL.test(ref);
}

/** A bundle entry that will exist after the transaction, as `Type/id`, with its resource. */
export interface BundleTarget {
  target: string;
  resource: FhirResource;
}

/**
 * Resolves one conditional reference to `Type/id`; throws UNPROCESSABLE
 * (expression `path`) when the search matches nothing or more than one.
 */
export async function resolveConditional(env: RouterEnv, ref: string, path: string, inBundle: readonly BundleTarget[]): Promise<string> {
  const m = CONDITIONAL.exec(ref);
  const type = m?.[1] ?? '';
  if (!SUPPORTED_TYPE_SET.has(type)) fail('UNPROCESSABLE', 'conditional reference to an unknown resource type', { expression: path });
  const query: QueryParams = {};
  for (const [k, v] of new URLSearchParams(m?.[2] ?? '')) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const { query: search, empty } = parseSearchQuery(type, query, { strict: true });
  if (empty) fail('UNPROCESSABLE', 'conditional reference matches no resource', { expression: path });
  const onlyIdentifier = Object.keys(query).every((k) => k === 'identifier');
  const local = onlyIdentifier && search.identifier !== undefined
    ? inBundle.filter((t) => t.resource.resourceType === type && identifierMatches(t.resource, search.identifier ?? []))
    : [];
  if (local.length === 1) return (local[0] as BundleTarget).target;
  if (local.length > 1) fail('UNPROCESSABLE', 'conditional reference matches more than one entry of the bundle', { expression: path });
  const result = await env.repo.search(contextFor(env, 'search'), { ...search, count: 2, offset: 0 });
  if (result.total > 1 || result.resources.length > 1) fail('UNPROCESSABLE', 'conditional reference matches more than one resource', { expression: path });
  const found = result.resources[0];
  if (found?.id === undefined) fail('UNPROCESSABLE', 'conditional reference matches no resource', { expression: path });
  return `${type}/${found.id}`;
}

function identifierMatches(resource: FhirResource, tokens: readonly TokenParam[]): boolean {
  const ids = Array.isArray(resource['identifier']) ? (resource['identifier'] as Array<{ system?: unknown; value?: unknown }>) : [];
  return tokens.some((t) => ids.some((id) => id.value === t.code && (t.system === undefined || (id.system ?? '') === t.system)));
}
