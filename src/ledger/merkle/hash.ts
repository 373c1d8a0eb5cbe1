// RFC 9162 section 2.1.1: the Merkle Tree Hash primitives (domain-separated
// SHA-256 for leaves and interior nodes) and the size arithmetic the tree,
// proof and verification modules share. Sizes are plain numbers restricted to
// safe integers; 32-bit bitwise operators are avoided on purpose.
import { sha256 } from '../../crypto/index.js';

/** RFC 9162 section 2.1.1: prefix of a leaf hash input. */
export const RFC9162_LEAF_PREFIX = 0x00;
/** RFC 9162 section 2.1.1: prefix of an interior node hash input. */
export const RFC9162_NODE_PREFIX = 0x01;
/** Length in bytes of every tree hash (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX_BYTES = Uint8Array.of(RFC9162_LEAF_PREFIX);
const NODE_PREFIX_BYTES = Uint8Array.of(RFC9162_NODE_PREFIX);

/** RFC 9162 section 2.1.1: MTH({}) = SHA-256(""), the root of the empty tree. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/** RFC 9162 section 2.1.1: MTH({d0}) = SHA-256(0x00 || d0). */
export function hashLeaf(leafBytes: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX_BYTES, leafBytes);
}

/** RFC 9162 section 2.1.1: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX_BYTES, left, right);
}

/** Plain byte equality (tree hashes are public, so timing does not matter). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for a non-negative safe integer (a valid tree size or leaf index). */
export function isTreeNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The largest power of two strictly less than n (n >= 2): RFC 9162's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two less than or equal to n (n >= 1). */
export function largestPowerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** log2 of a power of two. */
export function log2Exact(powerOfTwo: number): number {
  let level = 0;
  for (let k = powerOfTwo; k > 1; k /= 2) level++;
  return level;
}
