// The FHIR body checks: UTF-8 only, bounded depth (no recursion, so even a
// million-deep body is refused cleanly), no lone surrogates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCareLedgerError } from '../../errors/index.js';
import { MAX_JSON_DEPTH, checkJsonDepth, checkWellFormedStrings, decodeUtf8Body } from './json-guard.js';

const isMalformed = (e: unknown) => isCareLedgerError(e) && e.code === 'MALFORMED';

test('depth: up to MAX_JSON_DEPTH passes, one more is refused, brackets in strings do not count', () => {
  const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
  checkJsonDepth(nest(MAX_JSON_DEPTH));
  assert.throws(() => checkJsonDepth(nest(MAX_JSON_DEPTH + 1)), isMalformed);
  assert.throws(() => checkJsonDepth('{"a":'.repeat(1_000_000)), isMalformed);
  checkJsonDepth(`{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`);
});

test('depth check agrees with the nesting of any JSON value (fast-check)', () => {
  const depthOf = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 0;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    return 1 + Math.max(0, ...children.map(depthOf));
  };
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, limit) => {
      const text = JSON.stringify(value);
      let refused = false;
      try {
        checkJsonDepth(text, limit);
      } catch (e) {
        assert.ok(isMalformed(e));
        refused = true;
      }
      assert.equal(refused, depthOf(value) > limit);
    }),
    { numRuns: 1000 },
  );
});

test('UTF-8: well-formed bytes decode, any invalid byte sequence is refused', () => {
  assert.equal(decodeUtf8Body(Buffer.from('{"a":"é😀"}')), '{"a":"é😀"}');
  for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe9], [0xf0, 0x9f, 0x98]]) {
    assert.throws(() => decodeUtf8Body(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}')])), isMalformed);
  }
});

test('lone surrogates in values or keys are refused; pairs pass', () => {
  checkWellFormedStrings(JSON.parse('{"a":["\\ud83d\\ude00"],"\\ud83d\\ude00":1}'));
  for (const text of ['{"a":"\\ud800"}', '{"a":["x","\\udc00y"]}', '{"\\udbff":1}', '[[{"b":"\\ude00\\ud83d"}]]']) {
    assert.throws(() => checkWellFormedStrings(JSON.parse(text)), isMalformed, text);
  }
});
