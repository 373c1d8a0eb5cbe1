// RFC 9162 sections 2.1.3.1 (inclusion proof PATH) and 2.1.4.1 (consistency
// proof PROOF/SUBPROOF) generated from stored complete nodes. Only a subtree
// on the right edge of the tree can be incomplete, and at most one such
// subtree appears per proof, so each proof costs O(log n) node reads.
import { isTreeNumber, splitPoint } from './hash.js';
import type { TreeNodeReader } from './store.js';
import { subtreeHash } from './tree.js';

/**
 * RFC 9162 section 2.1.3.1: the inclusion proof (audit path) of leaf
 * `leafIndex` in the tree of `treeSize` leaves, ordered from the leaf up.
 * Throws RangeError unless 0 <= leafIndex < treeSize.
 */
export function inclusionProof(reader: TreeNodeReader, leafIndex: number, treeSize: number): Uint8Array[] {
  if (!isTreeNumber(leafIndex) || !isTreeNumber(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`leaf index ${leafIndex} is not in a tree of size ${treeSize}`);
  }
  const topDown: Uint8Array[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (leafIndex < mid) {
      topDown.push(subtreeHash(reader, mid, end));
      end = mid;
    } else {
      topDown.push(subtreeHash(reader, start, mid));
      start = mid;
    }
  }
  return topDown.reverse();
}

/**
 * RFC 9162 section 2.1.4.1: the consistency proof between the trees of
 * `first` and `second` leaves. Empty when first is 0 or equals second.
 * Throws RangeError unless 0 <= first <= second.
 */
export function consistencyProof(reader: TreeNodeReader, first: number, second: number): Uint8Array[] {
  if (!isTreeNumber(first) || !isTreeNumber(second) || first > second) {
    throw new RangeError(`no consistency proof from size ${first} to size ${second}`);
  }
  if (first === 0 || first === second) return [];
  // SUBPROOF(m, D[start:end], b), unrolled; siblings are collected top-down.
  const topDown: Uint8Array[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let startsAtOldRoot = true;
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!startsAtOldRoot) topDown.push(subtreeHash(reader, start, end));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      topDown.push(subtreeHash(reader, start + k, end));
      end = start + k;
    } else {
      topDown.push(subtreeHash(reader, start, start + k));
      start += k;
      m -= k;
      startsAtOldRoot = false;
    }
  }
  return topDown.reverse();
}
