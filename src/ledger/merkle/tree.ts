// RFC 9162 section 2.1.1 over stored complete nodes: appending leaves (every
// node that becomes complete is returned so the caller can persist it in the
// same transaction as its block) and the Merkle Tree Hash of any prefix.
import { HASH_SIZE, emptyRoot, hashChildren, isTreeNumber, largestPowerOfTwoAtMost, log2Exact } from './hash.js';
import type { TreeNode, TreeNodeReader } from './store.js';

/** What appendLeaves produced: the nodes to persist, the new size and root. */
export interface AppendResult {
  nodes: TreeNode[];
  treeSize: number;
  root: Uint8Array;
}

function readNode(reader: TreeNodeReader, level: number, index: number): Uint8Array {
  const hash = reader.getNode(level, index);
  if (!hash) throw new RangeError(`tree node (${level}, ${index}) is not stored: tree size beyond the stored tree?`);
  return hash;
}

/**
 * MTH(D[start:end]) for a subtree of the RFC 9162 recursion (start is a
 * multiple of the largest power of two <= end - start). The range splits into
 * complete nodes of decreasing size, read once each, then folds from the right
 * exactly as the recursion does on a right edge: O(log n) reads.
 */
export function subtreeHash(reader: TreeNodeReader, start: number, end: number): Uint8Array {
  if (!isTreeNumber(start) || !isTreeNumber(end) || end <= start) throw new RangeError(`empty range [${start}, ${end})`);
  const parts: Uint8Array[] = [];
  for (let pos = start; pos < end; ) {
    const size = largestPowerOfTwoAtMost(end - pos);
    if (pos % size !== 0) throw new RangeError(`range [${start}, ${end}) is not an RFC 9162 subtree`);
    parts.push(readNode(reader, log2Exact(size), pos / size));
    pos += size;
  }
  let hash = parts.pop() as Uint8Array;
  for (let left = parts.pop(); left; left = parts.pop()) hash = hashChildren(left, hash);
  return hash;
}

/** RFC 9162 section 2.1.1: the root of the tree of the first `treeSize` leaves, O(log n) reads. */
export function rootAt(reader: TreeNodeReader, treeSize: number): Uint8Array {
  if (!isTreeNumber(treeSize)) throw new RangeError(`invalid tree size ${treeSize}`);
  return treeSize === 0 ? emptyRoot() : subtreeHash(reader, 0, treeSize);
}

/**
 * Appends leaf hashes to a tree of `treeSize` leaves and returns every node
 * that becomes complete (level 0 included), the new size and the new root.
 * `reader` need not hold the new nodes: a local overlay serves them while the
 * batch is appended. Cost O(k + log n) hashes and reads for k leaves.
 */
export function appendLeaves(reader: TreeNodeReader, treeSize: number, leafHashes: readonly Uint8Array[]): AppendResult {
  if (!isTreeNumber(treeSize) || !isTreeNumber(treeSize + leafHashes.length)) {
    throw new RangeError(`invalid tree size ${treeSize}`);
  }
  const overlay = new Map<string, Uint8Array>();
  const view: TreeNodeReader = {
    getNode: (level, index) => overlay.get(`${level}:${index}`) ?? reader.getNode(level, index),
  };
  const nodes: TreeNode[] = [];
  const record = (level: number, index: number, hash: Uint8Array): void => {
    overlay.set(`${level}:${index}`, hash);
    nodes.push({ level, index, hash });
  };
  let size = treeSize;
  for (const leaf of leafHashes) {
    if (!(leaf instanceof Uint8Array) || leaf.byteLength !== HASH_SIZE) {
      throw new RangeError(`leaf hash ${size} must be ${HASH_SIZE} bytes`);
    }
    let level = 0;
    let index = size;
    let hash = leaf;
    record(level, index, hash);
    // A right child completes its parent; carry upwards like a binary counter.
    while (index % 2 === 1) {
      hash = hashChildren(readNode(view, level, index - 1), hash);
      level += 1;
      index = (index - 1) / 2;
      record(level, index, hash);
    }
    size += 1;
  }
  return { nodes, treeSize: size, root: rootAt(view, size) };
}
