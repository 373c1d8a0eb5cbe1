// RFC 8785 JSON Canonicalization Scheme: the one canonicaliser used before
// every hash or signature.
//
// RFC 8785 serialises strings and numbers exactly as ECMAScript's
// JSON.stringify does; what it adds is the order of object keys (sorted by
// UTF-16 code units). So a value whose objects all have their keys in that
// order canonicalises to JSON.stringify of it. canonicalJson checks that
// order (copying only the objects that lack it, with their keys sorted) and
// then makes one native JSON.stringify call, several times faster than the
// reference canonicaliser on the hot paths (every envelope is checked for its
// canonical form; every state write is stored canonically). Anything else
// (non-finite numbers, strings or keys with surrogate code units, toJSON,
// functions, symbols, bigints, sparse arrays, array-index-like keys, which
// engines enumerate first) goes to the `canonicalize` package, the reference,
// which decides (it refuses lone surrogates and non-finite numbers); a
// property test checks that both agree.
import canonicalizeImpl from 'canonicalize';
import { utf8 } from './bytes.js';

const canonicalizeFn = canonicalizeImpl as unknown as (value: unknown) => string | undefined;

const EXOTIC: unique symbol = Symbol('needs the reference canonicaliser');
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;
/** Any UTF-16 surrogate: pairs are fine in JSON, lone ones are refused; the reference tells them apart. */
const SURROGATE = /[\ud800-\udfff]/;

function isIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && INDEX_LIKE.test(key);
}

/** The value with every object's keys in RFC 8785 order (the value itself if already so), or EXOTIC. */
function ordered(v: unknown): unknown {
  if (v === null) return v;
  switch (typeof v) {
    case 'string':
      return SURROGATE.test(v) ? EXOTIC : v;
    case 'boolean':
    case 'undefined':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : EXOTIC;
    case 'object':
      break;
    case 'bigint':
    case 'function':
    case 'symbol':
      return EXOTIC;
  }
  if ((v as { toJSON?: unknown }).toJSON != null) return EXOTIC;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return EXOTIC;
      const e: unknown = v[i];
      const o = ordered(e);
      if (o === EXOTIC) return EXOTIC;
      if (o !== e && out === undefined) out = v.slice(0, i) as unknown[];
      if (out !== undefined) out.push(o);
    }
    return out ?? v;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  let changed = false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (isIndexLike(k) || SURROGATE.test(k)) return EXOTIC;
    if (i > 0 && !((keys[i - 1] as string) < k)) changed = true;
  }
  const values: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const before = obj[keys[i] as string];
    const o = ordered(before);
    if (o === EXOTIC) return EXOTIC;
    if (o !== before) changed = true;
    values[i] = o;
  }
  if (!changed) return v;
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  // No prototype: a key named __proto__ stays an ordinary property.
  const out = Object.create(null) as Record<string, unknown>;
  for (const i of order) out[keys[i] as string] = values[i];
  return out;
}

/** RFC 8785 canonical text of a JSON value. Throws on values JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  const o = ordered(value);
  const text = o === EXOTIC ? canonicalizeFn(value) : (JSON.stringify(o) as string | undefined);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** UTF-8 bytes of the RFC 8785 canonical form. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}

/** The reference canonicaliser alone (tests compare canonicalJson with it). */
export function referenceCanonicalJson(value: unknown): string | undefined {
  return canonicalizeFn(value);
}
