// canonicalJson's fast path (key order checked, one JSON.stringify) against
// the reference canonicaliser: the same text, or the same refusal, for any
// value, including keys in any order and of any UTF-16 content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, referenceCanonicalJson } from './jcs.js';

function outcome(f: () => string | undefined): string {
  try {
    const text = f();
    return text === undefined ? 'no text' : `text ${text}`;
  } catch {
    return 'threw';
  }
}

/** Reference result, with "no JSON representation" as canonicalJson reports it. */
function reference(v: unknown): string {
  return outcome(() => {
    const text = referenceCanonicalJson(v);
    if (text === undefined) throw new TypeError('no text');
    return text;
  });
}

const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('a', 'b', 'A', '\u20ac', '\r', '\ud800', '\udc00', '__proto__', 'toString', '10', '9', '0', '01', '-1', '1e3'),
);

const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -0, 1e21, 1e-7, -1.5, 2 ** 53, 0.1 + 0.2),
    fc.double(),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

void test('property: canonicalJson equals the reference on JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal(canonicalJson(v), referenceCanonicalJson(v));
    }),
    { numRuns: 2000 },
  );
});

void test('property: canonicalJson agrees with the reference on keys in any order and non-JSON numbers', () => {
  fc.assert(
    fc.property(anyValue, (v) => {
      assert.equal(outcome(() => canonicalJson(v)), reference(v));
    }),
    { numRuns: 3000 },
  );
});

void test('already-ordered values come out as JSON.stringify; others are ordered without being changed', () => {
  const sorted = { a: [1, { b: 2, c: 'x' }], d: null };
  assert.equal(canonicalJson(sorted), JSON.stringify(sorted));
  const unsorted = { z: 1, a: { y: [true, { d: 1, c: 2 }], b: 'é' } };
  const copy = structuredClone(unsorted);
  assert.equal(canonicalJson(unsorted), '{"a":{"b":"é","y":[true,{"c":2,"d":1}]},"z":1}');
  assert.deepEqual(unsorted, copy, 'the input is not modified');
  assert.deepEqual(Object.keys(unsorted), ['z', 'a']);
});

void test('exotic values go to the reference: index-like keys, toJSON, sparse arrays, undefined members', () => {
  assert.equal(canonicalJson({ 10: 'x', 9: 'y', a: 1 }), '{"10":"x","9":"y","a":1}');
  assert.equal(canonicalJson({ b: new Date(0), a: 1 }), '{"a":1,"b":"1970-01-01T00:00:00.000Z"}');
  assert.equal(canonicalJson({ b: undefined, a: [undefined, 1] }), '{"a":[null,1]}');
  assert.equal(canonicalJson(JSON.parse('{"__proto__":1,"a":2}')), '{"__proto__":1,"a":2}');
  assert.throws(() => canonicalJson(Number.NaN));
  assert.throws(() => canonicalJson(undefined), TypeError);
  assert.throws(() => canonicalJson(() => 1), TypeError);
});
