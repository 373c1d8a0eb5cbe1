// The values of the token, reference and string search parameters beyond
// `code` and `identifier` (FHIR R4 search.html; US Core's mandatory ones):
// category, status, clinical-status, gender (token), encounter (reference,
// kept as the token `Encounter/<id>`), name, family, given (string:
// case- and accent-insensitive "starts with", kept as every prefix of the
// normalised value). One extractor serves the vault's blind index and the
// in-memory repository, so both answer alike.
import type { FhirResource } from './types.js';

/** Token parameters, their elements (CodeableConcept, Coding, code or array of them). */
export const TOKEN_PARAMS: Readonly<Record<string, readonly string[]>> = {
  category: ['category'],
  status: ['status'],
  'clinical-status': ['clinicalStatus'],
  gender: ['gender'],
};
export const REFERENCE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  encounter: ['encounter', 'context.encounter'],
};
export const STRING_PARAMS = ['name', 'family', 'given'] as const;
/** Longest prefix indexed for a string parameter; longer query values are cut to it (and then settled by prefix). */
export const MAX_PREFIX = 40;

export type SearchValue = [param: string, system: string | undefined, code: string];

/** Lowercase, accents removed, spaces collapsed (FHIR string matching). */
export function normalizeString(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The values at a dotted element path (arrays flattened at every step). */
export function valuesAt(resource: unknown, path: string): unknown[] {
  let cur: unknown[] = [resource];
  for (const key of path.split('.')) {
    cur = cur.flatMap((v) => {
      if (typeof v !== 'object' || v === null) return [];
      const next = (v as Record<string, unknown>)[key];
      return Array.isArray(next) ? next : next === undefined ? [] : [next];
    });
  }
  return cur;
}

function tokensOf(value: unknown): Array<[string | undefined, string]> {
  if (typeof value === 'string') return [[undefined, value]];
  if (typeof value !== 'object' || value === null) return [];
  const v = value as { coding?: unknown; system?: unknown; code?: unknown };
  if (Array.isArray(v.coding)) return v.coding.flatMap(tokensOf);
  if (typeof v.code === 'string') return [[typeof v.system === 'string' ? v.system : undefined, v.code]];
  return [];
}

/** The strings a HumanName (or a plain string name) offers to name, family and given. */
function nameStrings(value: unknown): Array<['family' | 'given' | 'other', string]> {
  if (typeof value === 'string') return [['other', value]];
  if (typeof value !== 'object' || value === null) return [];
  const n = value as { family?: unknown; given?: unknown; text?: unknown; prefix?: unknown; suffix?: unknown };
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  const out: Array<['family' | 'given' | 'other', string]> = [];
  if (typeof n.family === 'string') out.push(['family', n.family]);
  for (const g of list(n.given)) out.push(['given', g]);
  if (typeof n.text === 'string') out.push(['other', n.text]);
  for (const p of [...list(n.prefix), ...list(n.suffix)]) out.push(['other', p]);
  return out;
}

function prefixes(text: string): string[] {
  const norm = normalizeString(text).slice(0, MAX_PREFIX);
  return Array.from({ length: norm.length }, (_, i) => norm.slice(0, i + 1));
}

/** Every value of the parameters above that `resource` carries (duplicates removed). */
export function searchValuesOf(resource: FhirResource): SearchValue[] {
  const out = new Map<string, SearchValue>();
  const add = (v: SearchValue): void => void out.set(JSON.stringify(v), v);
  for (const [param, paths] of Object.entries(TOKEN_PARAMS)) {
    for (const path of paths) for (const value of valuesAt(resource, path)) for (const [s, c] of tokensOf(value)) add([param, s, c]);
  }
  for (const [param, paths] of Object.entries(REFERENCE_PARAMS)) {
    for (const path of paths) {
      for (const value of valuesAt(resource, path)) {
        const ref = (value as { reference?: unknown } | null)?.reference;
        const m = typeof ref === 'string' ? /(?:^|\/)(Encounter\/[A-Za-z0-9.-]{1,64})$/.exec(ref) : null;
        if (m?.[1] !== undefined) add([param, undefined, m[1]]);
      }
    }
  }
  for (const value of valuesAt(resource, 'name')) {
    for (const [part, text] of nameStrings(value)) {
      for (const p of prefixes(text)) {
        add(['name', undefined, p]);
        if (part !== 'other') add([part, undefined, p]);
      }
    }
  }
  return [...out.values()];
}
