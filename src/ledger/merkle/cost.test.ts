// Cost of the RFC 9162 log over stored complete nodes: inclusion proofs
// (2.1.3.1), consistency proofs (2.1.4.1) and roots read O(log n) stored
// nodes, and appending k leaves reads O(log n) nodes beyond the batch itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { utf8 } from '../../crypto/index.js';
import {
  CountingTreeReader,
  MemoryTreeStore,
  appendLeaves,
  consistencyProof,
  hashLeaf,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type TreeNodeReader,
} from './index.js';

// Proof generation never looks inside a hash, so read counts on a huge tree
// can be measured with a reader that serves a fixed hash for every complete
// node and nothing for an incomplete one (reading one would throw).
function syntheticReader(treeSize: number): TreeNodeReader {
  const fake = new Uint8Array(32).fill(7);
  return { getNode: (level, index) => ((index + 1) * 2 ** level <= treeSize ? fake : undefined) };
}

void test('proofs and roots on a tree of 2^20+12345 leaves read at most 2*log2(n)+2 nodes', () => {
  const n = 2 ** 20 + 12345;
  const bound = 2 * Math.ceil(Math.log2(n)) + 2;
  const reader = new CountingTreeReader(syntheticReader(n));
  let worst = 0;
  const check = (what: string): void => {
    const reads = reader.reset();
    worst = Math.max(worst, reads);
    assert.ok(reads <= bound, `${what}: ${reads} reads > ${bound}`);
  };
  for (const index of [0, 1, n - 1, n - 2, 2 ** 20 - 1, 2 ** 20, 2 ** 20 + 12344, 777777]) {
    inclusionProof(reader, index, n);
    check(`inclusion ${index}`);
  }
  fc.assert(
    fc.property(fc.integer({ min: 1, max: n }), fc.integer({ min: 0, max: n - 1 }), (size, index) => {
      inclusionProof(reader, index % size, size);
      check(`inclusion ${index % size}/${size}`);
      consistencyProof(reader, index % size, size);
      check(`consistency ${index % size}->${size}`);
      rootAt(reader, size);
      check(`root ${size}`);
    }),
    { numRuns: 500 },
  );
  assert.ok(worst > 0);
});

void test('a 100k-leaf tree built in batches gives verifying proofs at O(log n) reads', () => {
  const store = new MemoryTreeStore();
  let size = 0;
  const roots = new Map<number, Uint8Array>();
  const counted = new CountingTreeReader(store);
  while (size < 100_000) {
    const batch = Array.from({ length: 1 + ((size * 7919) % 997) }, (_, i) => hashLeaf(utf8(`tx ${size + i}`)));
    counted.reset();
    const r = appendLeaves(counted, size, batch);
    // Reads that reach the store are the old tree's left frontier and root path only.
    assert.ok(counted.reset() <= 2 * Math.ceil(Math.log2(size + 2)) + 2);
    store.putNodes(r.nodes);
    size = r.treeSize;
    roots.set(size, r.root);
  }
  const bound = 2 * Math.ceil(Math.log2(size)) + 2;
  const sizes = [...roots.keys()];
  fc.assert(
    fc.property(fc.constantFrom(...sizes), fc.constantFrom(...sizes), fc.nat(), (a, b, seed) => {
      const [first, second] = a <= b ? [a, b] : [b, a];
      const index = seed % second;
      const proof = inclusionProof(counted, index, second);
      assert.ok(counted.reset() <= bound);
      const leaf = store.getNode(0, index) as Uint8Array;
      assert.ok(verifyInclusion(leaf, index, second, proof, roots.get(second) as Uint8Array));
      const cproof = consistencyProof(counted, first, second);
      assert.ok(counted.reset() <= bound);
      assert.ok(verifyConsistency(first, second, cproof, roots.get(first) as Uint8Array, roots.get(second) as Uint8Array));
      assert.deepEqual(rootAt(counted, second), roots.get(second));
      assert.ok(counted.reset() <= bound);
    }),
    { numRuns: 300 },
  );
});
