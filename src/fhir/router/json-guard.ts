// The edge checks of a FHIR JSON body, before and after JSON.parse, none of
// them recursive: the bytes must be UTF-8 (no replacement characters slipped
// in), the nesting no deeper than MAX_JSON_DEPTH (a 10,000-deep body used to
// overflow the stack further in, unlogged), and no string or key may hold a
// lone UTF-16 surrogate (a "\ud800" escape), which has no UTF-8 form: the
// ledger's canonicaliser (crypto/jcs.ts) refuses them, and so does the FHIR
// door. Each failure is a MALFORMED OperationOutcome error.
import { fail } from './outcome.js';

/** Deepest nesting of objects and arrays accepted (FHIR resources stay under about 20). */
export const MAX_JSON_DEPTH = 64;

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** In a /u regex a paired surrogate is one code point: \p{Cs} matches only lone ones. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The body's text; MALFORMED unless the bytes are well-formed UTF-8. A leading BOM is dropped. */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return fail('MALFORMED', 'request body is not valid UTF-8');
  }
}

/**
 * MALFORMED if the JSON text nests objects/arrays deeper than `maxDepth`.
 * A linear scan that skips strings (and their escapes); run before
 * JSON.parse, so an absurd body is refused before anything is built.
 */
export function checkJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) fail('MALFORMED', `JSON nesting deeper than ${maxDepth}`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** MALFORMED if any string value or key of a parsed JSON value holds a lone surrogate. Iterative. */
export function checkWellFormedStrings(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) fail('MALFORMED', 'a string in the body holds a lone UTF-16 surrogate');
    } else if (Array.isArray(v)) {
      for (const e of v) stack.push(e);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, e] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) fail('MALFORMED', 'a key in the body holds a lone UTF-16 surrogate');
        stack.push(e);
      }
    }
  }
}
