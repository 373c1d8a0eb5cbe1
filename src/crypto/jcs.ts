// RFC 8785 JSON Canonicalization Scheme: the one canonicaliser used before
// every hash or signature.
import canonicalizeImpl from 'canonicalize';
import { utf8 } from './bytes.js';

const canonicalizeFn = canonicalizeImpl as unknown as (value: unknown) => string | undefined;

/** RFC 8785 canonical text of a JSON value. Throws on values JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeFn(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** UTF-8 bytes of the RFC 8785 canonical form. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
