// Storage face of the RFC 9162 log: the log persists only complete subtree
// nodes, node (level, index) covering leaves [index*2^level, (index+1)*2^level).
// A reader interface, an in-memory store for tests and tools, and a counting
// wrapper that proves proof generation stays O(log n) in stored-node reads.

/** Read access to the stored complete nodes; level 0 holds the leaf hashes. */
export interface TreeNodeReader {
  getNode(level: number, index: number): Uint8Array | undefined;
}

/** A complete node that became complete (returned by appendLeaves). */
export interface TreeNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/** An in-memory TreeNodeReader with `put`, for tests and offline tools. */
export class MemoryTreeStore implements TreeNodeReader {
  private readonly levels: Uint8Array[][] = [];

  getNode(level: number, index: number): Uint8Array | undefined {
    return this.levels[level]?.[index];
  }

  put(level: number, index: number, hash: Uint8Array): void {
    let row = this.levels[level];
    if (!row) {
      for (let l = this.levels.length; l <= level; l++) this.levels.push([]);
      row = this.levels[level] as Uint8Array[];
    }
    row[index] = hash;
  }

  /** Stores every node of an appendLeaves result. */
  putNodes(nodes: Iterable<TreeNode>): void {
    for (const n of nodes) this.put(n.level, n.index, n.hash);
  }

  /** Number of stored leaves (level-0 nodes). */
  get leafCount(): number {
    return this.levels[0]?.length ?? 0;
  }
}

/** Wraps a reader and counts getNode calls (`reads`), for cost assertions and metrics. */
export class CountingTreeReader implements TreeNodeReader {
  reads = 0;

  constructor(private readonly inner: TreeNodeReader) {}

  getNode(level: number, index: number): Uint8Array | undefined {
    this.reads++;
    return this.inner.getNode(level, index);
  }

  /** Returns the count so far and restarts it at zero. */
  reset(): number {
    const n = this.reads;
    this.reads = 0;
    return n;
  }
}
