// Block hashes: the state hash assembled from precomputed texts must equal the
// normative definition (JCS of the sorted tuple array), for any values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalBytes, canonicalJson, concatBytes, sha256Hex, utf8 } from '../crypto/index.js';
import { blockHashOf, resultsHashOf, sortWrites, stateHashOf, ZERO_HASH, type StateWrite } from './block.js';
import type { JsonValue } from './contract.js';

const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => !Object.is(v, -0)) as fc.Arbitrary<JsonValue>;

test('property: stateHashOf equals SHA-256(domain || prev || "\\n" || JCS(tuples))', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), fc.option(jsonValue)), {
        selector: ([ns, key]) => ns + '\u0000' + key,
        maxLength: 12,
      }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      (tuples, prev) => {
        const writes: StateWrite[] = sortWrites(
          tuples.map(([namespace, key, value]) => ({ namespace, key, value, text: value === null ? null : canonicalJson(value) })),
        );
        const reference = sha256Hex(
          concatBytes(utf8('careledger.state/1\n'), utf8(prev + '\n'), canonicalBytes(writes.map((w) => [w.namespace, w.key, w.value]))),
        );
        assert.equal(stateHashOf(prev, writes), reference);
      },
    ),
    { numRuns: 300 },
  );
});

test('sortWrites orders by namespace then key in UTF-16 code units', () => {
  const w = (namespace: string, key: string): StateWrite => ({ namespace, key, value: 1, text: '1' });
  const sorted = sortWrites([w('b', 'a'), w('a', 'z'), w('a', '\u00e9'), w('a', 'Z'), w('a', '\ud83d\ude00')]);
  assert.deepEqual(sorted.map((x) => x.namespace + ':' + x.key), ['a:Z', 'a:z', 'a:\u00e9', 'a:\ud83d\ude00', 'b:a']);
});

test('known answers: empty state hash, results hash and block hash', () => {
  // Computed by hand from the definitions in docs/wire-formats.md.
  assert.equal(stateHashOf(ZERO_HASH, []), sha256Hex(utf8(`careledger.state/1\n${ZERO_HASH}\n[]`)));
  assert.equal(resultsHashOf(['OK', 'BAD_SIGNATURE']), sha256Hex(utf8('careledger.results/1\n["OK","BAD_SIGNATURE"]')));
  const header = {
    height: 0,
    prevHash: ZERO_HASH,
    time: '2026-01-01T00:00:00.000Z',
    txCount: 1,
    logSize: 1,
    logRoot: 'ab'.repeat(32),
    resultsHash: 'cd'.repeat(32),
    stateHash: 'ef'.repeat(32),
  };
  assert.equal(
    blockHashOf(header),
    sha256Hex(
      utf8(
        `{"height":0,"logRoot":"${'ab'.repeat(32)}","logSize":1,"prevHash":"${ZERO_HASH}","resultsHash":"${'cd'.repeat(32)}","stateHash":"${'ef'.repeat(32)}","time":"2026-01-01T00:00:00.000Z","txCount":1}`,
      ),
    ),
  );
});
