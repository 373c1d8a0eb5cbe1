// RFC 9162 sections 2.1.3.2 (verifying an inclusion proof) and 2.1.4.2
// (verifying a consistency proof). Every argument may come from a hostile
// party: these functions never throw and answer false for anything malformed.
import { HASH_SIZE, emptyRoot, hashChildren, hashesEqual, isTreeNumber, largestPowerOfTwoAtMost } from './hash.js';

// A tree of at most 2^53 leaves never needs a longer proof.
const MAX_PROOF_LENGTH = 64;

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === HASH_SIZE;
}

function isProof(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.length <= MAX_PROOF_LENGTH && value.every(isHash);
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/**
 * RFC 9162 section 2.1.3.2: true iff `proof` shows that `leafHash` is leaf
 * `leafIndex` of the tree of `treeSize` leaves whose root is `root`.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isHash(leafHash) || !isHash(root) || !isProof(proof)) return false;
    if (!isTreeNumber(leafIndex) || !isTreeNumber(treeSize) || leafIndex >= treeSize) return false;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        r = hashChildren(p, r);
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = hashChildren(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && hashesEqual(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 section 2.1.4.2: true iff `proof` shows that the tree of `first`
 * leaves with root `firstRoot` is a prefix of the tree of `second` leaves with
 * root `secondRoot`. Equal sizes need an empty proof and equal roots; size 0
 * needs an empty proof and the empty-tree root.
 */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  try {
    if (!isHash(firstRoot) || !isHash(secondRoot) || !isProof(proof)) return false;
    if (!isTreeNumber(first) || !isTreeNumber(second) || first > second) return false;
    if (first === second) return proof.length === 0 && hashesEqual(firstRoot, secondRoot);
    if (first === 0) return proof.length === 0 && hashesEqual(firstRoot, emptyRoot());
    if (proof.length === 0) return false;
    // A power-of-two first tree is a complete node of the second: its root starts the path.
    const path = largestPowerOfTwoAtMost(first) === first ? [firstRoot, ...proof] : [...proof];
    let fn = first - 1;
    let sn = second - 1;
    while (isOdd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = path[0] as Uint8Array;
    let sr = fr;
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        fr = hashChildren(c, fr);
        sr = hashChildren(c, sr);
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = hashChildren(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && hashesEqual(fr, firstRoot) && hashesEqual(sr, secondRoot);
  } catch {
    return false;
  }
}
