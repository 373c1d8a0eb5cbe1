// The log's right edge, all the offline verifier needs to append leaves and
// compute roots: appendLeaves reads only the left sibling of a node it
// completes, and rootAt only the complete subtrees of the tree size's
// binary decomposition, and both are the node last completed at their level.
// Memory O(log n), however long the ledger.
import type { TreeNodeReader } from '../../ledger/index.js';

export class FrontierTree implements TreeNodeReader {
  private readonly last: Array<{ index: number; hash: Uint8Array } | undefined> = [];

  getNode(level: number, index: number): Uint8Array | undefined {
    const n = this.last[level];
    return n !== undefined && n.index === index ? n.hash : undefined;
  }

  put(level: number, index: number, hash: Uint8Array): void {
    this.last[level] = { index, hash };
  }

  /** The frontier of a tree of `size` leaves from a node source (a stored log). */
  static of(size: number, read: (level: number, index: number) => Uint8Array | undefined): FrontierTree | undefined {
    const tree = new FrontierTree();
    for (let level = 0; 2 ** level <= size; level++) {
      const count = Math.floor(size / 2 ** level);
      // The last complete node of each level: the frontier node (odd count) or the left sibling a later append reads.
      const hash = read(level, count - 1);
      if (hash === undefined) return undefined;
      tree.put(level, count - 1, hash);
    }
    return tree;
  }
}
