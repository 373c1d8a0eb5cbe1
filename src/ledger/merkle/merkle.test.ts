// RFC 9162 section 2.1 log: known-answer roots and proofs from the Certificate
// Transparency reference data (test/vectors/rfc6962-merkle.json; audit paths and
// consistency proofs from google/certificate-transparency merkle_tree_test.cc),
// a naive recursive MTH/PATH/PROOF written here from the RFC text, and
// fast-check properties for append, prove and verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromHex, sha256, toHex, utf8 } from '../../crypto/index.js';
import {
  MemoryTreeStore,
  appendLeaves,
  consistencyProof,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from './index.js';

interface MerkleVectors {
  leavesHex: string[];
  emptyTreeRoot: string;
  rootsBySize: Record<string, string>;
}
const repoRoot = new URL('../../../../', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('test/vectors/rfc6962-merkle.json', repoRoot), 'utf8')) as MerkleVectors;
const hex = (h: string): Uint8Array => fromHex(h) as Uint8Array;
const vectorLeaves = vectors.leavesHex.map((h) => hashLeaf(hex(h)));

// --- Naive RFC 9162 section 2.1 recursion over leaf hashes -----------------
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256();
  if (d.length === 1) return d[0] as Uint8Array;
  return hashChildren(mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

// The left/right shape of a proof. RFC 9162 verification binds a proof to its
// shape, not to the exact sizes: e.g. leaf 0's proof in a tree of 257 leaves
// also verifies, against the same root, when the size is claimed as 258
// (checkpoints sign size and root together for this reason). So an altered
// index or size must verify exactly when it has the same shape.
function inclusionShape(m: number, n: number): string {
  if (n <= 1) return '';
  const s = k(n);
  return m < s ? `${inclusionShape(m, s)}R` : `${inclusionShape(m - s, n - s)}L`;
}
function consistencyShape(m: number, n: number, b = true): string {
  if (m === n) return b ? 'T' : 'X';
  const s = k(n);
  return m <= s ? `${consistencyShape(m, s, b)}R` : `${consistencyShape(m - s, n - s, false)}L`;
}

function leavesOf(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(utf8(`leaf ${i}`)));
}
function storeOf(leaves: Uint8Array[]): MemoryTreeStore {
  const store = new MemoryTreeStore();
  store.putNodes(appendLeaves(store, 0, leaves).nodes);
  return store;
}
function flip(h: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(h);
  out[(bit >> 3) % out.length] = (out[(bit >> 3) % out.length] as number) ^ (1 << (bit & 7));
  return out;
}
const hexes = (hs: Uint8Array[]): string[] => hs.map(toHex);

void test('hashLeaf/hashChildren/emptyRoot follow RFC 9162 2.1.1', () => {
  assert.equal(toHex(emptyRoot()), vectors.emptyTreeRoot);
  assert.deepEqual(hashLeaf(new Uint8Array()), sha256(Uint8Array.of(0)));
  const l = hashLeaf(utf8('a'));
  const r = hashLeaf(utf8('b'));
  assert.deepEqual(hashChildren(l, r), sha256(Uint8Array.of(1), l, r));
});

void test('rootAt matches the RFC 6962 reference roots for sizes 0..8', () => {
  const store = storeOf(vectorLeaves);
  assert.equal(toHex(rootAt(store, 0)), vectors.emptyTreeRoot);
  for (const [size, root] of Object.entries(vectors.rootsBySize)) {
    assert.equal(toHex(rootAt(store, Number(size))), root, `size ${size}`);
    assert.equal(toHex(mth(vectorLeaves.slice(0, Number(size)))), root, `naive size ${size}`);
  }
});

void test('inclusion and consistency proofs match the CT reference vectors', () => {
  const store = storeOf(vectorLeaves);
  const roots = (n: number): Uint8Array => rootAt(store, n);
  const inclusion: Array<[number, number, string[]]> = [
    [0, 1, []],
    [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
    [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  ];
  for (const [index, size, want] of inclusion) {
    const proof = inclusionProof(store, index, size);
    assert.deepEqual(hexes(proof), want, `inclusion ${index}/${size}`);
    assert.ok(verifyInclusion(vectorLeaves[index] as Uint8Array, index, size, proof, roots(size)));
  }
  const consistency: Array<[number, number, string[]]> = [
    [1, 1, []],
    [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  ];
  for (const [first, second, want] of consistency) {
    const proof = consistencyProof(store, first, second);
    assert.deepEqual(hexes(proof), want, `consistency ${first}->${second}`);
    assert.ok(verifyConsistency(first, second, proof, roots(first), roots(second)));
  }
});

void test('rootAt equals the naive MTH for every prefix', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
      const leaves = leavesOf(n);
      const store = storeOf(leaves);
      for (let i = 0; i <= n; i++) assert.deepEqual(rootAt(store, i), mth(leaves.slice(0, i)));
    }),
    { numRuns: 25 },
  );
});

void test('appending in random batch splits yields the same nodes and roots as one at a time', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), (n, cuts) => {
      const leaves = leavesOf(n);
      const single = new MemoryTreeStore();
      const singleNodes = [];
      for (let i = 0; i < n; i++) {
        const r = appendLeaves(single, i, [leaves[i] as Uint8Array]);
        single.putNodes(r.nodes);
        singleNodes.push(...r.nodes);
        assert.deepEqual(r.root, mth(leaves.slice(0, i + 1)));
      }
      const batched = new MemoryTreeStore();
      const batchedNodes = [];
      let size = 0;
      for (const cut of [...cuts, n]) {
        const take = Math.min(cut, n - size);
        const r = appendLeaves(batched, size, leaves.slice(size, size + take));
        batched.putNodes(r.nodes);
        batchedNodes.push(...r.nodes);
        size = r.treeSize;
        assert.deepEqual(r.root, mth(leaves.slice(0, size)));
      }
      assert.equal(size, n);
      assert.deepEqual(batchedNodes, singleNodes);
    }),
    { numRuns: 60 },
  );
});

const sized = fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

void test('every inclusion proof equals the naive PATH, verifies, and fails when altered', () => {
  fc.assert(
    fc.property(sized, fc.nat(), fc.integer({ min: 1, max: 400 }), ([n, index], bit, other) => {
      const leaves = leavesOf(n);
      const store = storeOf(leaves);
      const root = rootAt(store, n);
      const leaf = leaves[index] as Uint8Array;
      const proof = inclusionProof(store, index, n);
      assert.deepEqual(proof, path(index, leaves));
      assert.ok(verifyInclusion(leaf, index, n, proof, root));
      assert.ok(!verifyInclusion(flip(leaf, bit), index, n, proof, root));
      assert.ok(!verifyInclusion(leaf, index, n, proof, flip(root, bit)));
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (j === i ? flip(p, bit) : p));
        assert.ok(!verifyInclusion(leaf, index, n, bad, root));
      });
      if (other !== index) assert.ok(!verifyInclusion(leaf, other, n, proof, root));
      for (const size of [other, n * 2, Math.floor(n / 2), n + 1, n - 1]) {
        if (size === n) continue;
        const same = size > index && inclusionShape(index, size) === inclusionShape(index, n);
        assert.equal(verifyInclusion(leaf, index, size, proof, root), same, `size ${size}`);
      }
      assert.ok(!verifyInclusion(leaf, index, n, [...proof, root], root));
      if (proof.length > 0) assert.ok(!verifyInclusion(leaf, index, n, proof.slice(1), root));
    }),
    { numRuns: 200 },
  );
});

const pair = fc
  .integer({ min: 1, max: 300 })
  .chain((second) => fc.tuple(fc.integer({ min: 0, max: second }), fc.constant(second)));

void test('every consistency proof equals the naive PROOF, verifies, and fails when altered', () => {
  fc.assert(
    fc.property(pair, fc.nat(), fc.integer({ min: 0, max: 400 }), ([first, second], bit, other) => {
      const leaves = leavesOf(second);
      const store = storeOf(leaves);
      const r1 = rootAt(store, first);
      const r2 = rootAt(store, second);
      const proof = consistencyProof(store, first, second);
      const want = first === 0 || first === second ? [] : subproof(first, leaves, true);
      assert.deepEqual(proof, want);
      assert.ok(verifyConsistency(first, second, proof, r1, r2));
      assert.ok(!verifyConsistency(first, second, proof, flip(r1, bit), r2));
      if (first !== 0) assert.ok(!verifyConsistency(first, second, proof, r1, flip(r2, bit)));
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (j === i ? flip(p, bit) : p));
        assert.ok(!verifyConsistency(first, second, bad, r1, r2));
      });
      const shape = (a: number, b: number): string => (a === 0 || a === b ? `${a === 0}` : consistencyShape(a, b));
      for (const size of [other, first * 2, Math.floor(first / 2), first + 1, first - 1]) {
        if (size === first || size < 0) continue;
        const same = size <= second && shape(size, second) === shape(first, second) && first !== 0 && first !== second;
        assert.equal(verifyConsistency(size, second, proof, r1, r2), same, `first ${size}`);
      }
      for (const size of [other, second * 2, Math.floor(second / 2), second + 1, second - 1]) {
        if (size === second || first === 0) continue;
        const same = size >= first && shape(first, size) === shape(first, second) && first !== second;
        assert.equal(verifyConsistency(first, size, proof, r1, r2), same, `second ${size}`);
      }
      assert.ok(!verifyConsistency(first, second, [...proof, r2], r1, r2));
      if (proof.length > 0) assert.ok(!verifyConsistency(first, second, proof.slice(1), r1, r2));
    }),
    { numRuns: 200 },
  );
});

void test('out-of-range arguments throw RangeError; hostile verifier input returns false', () => {
  const leaves = leavesOf(10);
  const store = storeOf(leaves);
  for (const [i, n] of [[10, 10], [-1, 10], [0, 0], [1.5, 10], [0, Number.NaN]] as const) {
    assert.throws(() => inclusionProof(store, i, n), RangeError);
  }
  for (const [a, b] of [[5, 4], [-1, 3], [0, 2 ** 60]] as const) {
    assert.throws(() => consistencyProof(store, a, b), RangeError);
  }
  assert.throws(() => rootAt(store, 11), RangeError);
  assert.throws(() => inclusionProof(store, 3, 12), RangeError);
  assert.throws(() => appendLeaves(store, 10, [new Uint8Array(31)]), RangeError);
  assert.throws(() => appendLeaves(new MemoryTreeStore(), 3, leaves.slice(0, 1)), RangeError);

  const root = rootAt(store, 10);
  const proof = inclusionProof(store, 3, 10);
  const leaf = leaves[3] as Uint8Array;
  const hostile: unknown[] = [undefined, null, 'x', Number.NaN, -1, 2 ** 60, Infinity, [], [new Uint8Array(31)], {}];
  const anyVerifyInclusion = verifyInclusion as (...args: unknown[]) => boolean;
  const anyVerifyConsistency = verifyConsistency as (...args: unknown[]) => boolean;
  for (const h of hostile) {
    assert.equal(anyVerifyInclusion(h, 3, 10, proof, root), false);
    assert.equal(anyVerifyInclusion(leaf, h, 10, proof, root), false);
    assert.equal(anyVerifyInclusion(leaf, 3, h, proof, root), false);
    assert.equal(anyVerifyInclusion(leaf, 3, 10, h, root), false);
    assert.equal(anyVerifyInclusion(leaf, 3, 10, proof, h), false);
    assert.equal(anyVerifyConsistency(h, 10, [], root, root), false);
    assert.equal(anyVerifyConsistency(4, h, consistencyProof(store, 4, 10), rootAt(store, 4), root), false);
    assert.equal(anyVerifyConsistency(4, 10, h, rootAt(store, 4), root), false);
  }
  assert.equal(verifyInclusion(leaf, 3, 10, new Array<Uint8Array>(65).fill(root), root), false);
  assert.equal(verifyConsistency(0, 10, [], emptyRoot(), root), true);
  assert.equal(verifyConsistency(0, 10, [], root, root), false);
  assert.equal(verifyConsistency(10, 10, [], root, root), true);
  assert.equal(verifyConsistency(10, 10, [root], root, root), false);
});
