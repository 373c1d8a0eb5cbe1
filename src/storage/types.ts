// Storage interfaces. Storage sits below the ledger, so rows here are plain
// data (strings, numbers, bytes); the ledger gives them meaning. A PostgreSQL
// implementation can follow behind the same interfaces.

export interface BlockRow {
  height: number;
  hash: string;
  /** JCS text of the block header. */
  header: string;
  /** Position of the ordered batch this block came from (solo sequence or etcd revision). */
  ordererSeq: number;
}

export interface TxRow {
  /** Position in the transparency log (0-based, ledger order). */
  leafIndex: number;
  txId: string;
  height: number;
  /** Index of the transaction within its block. */
  index: number;
  /** JCS bytes of the envelope: exactly the log leaf's input. */
  envelope: Uint8Array;
  code: string;
  /** JSON text of the events the transaction emitted ("[]" if none). */
  events: string;
}

export interface StateRow {
  namespace: string;
  key: string;
  /** JCS text of the value, or null for a deletion. */
  value: string | null;
}

export interface LogNodeRow {
  level: number;
  index: number;
  hash: Uint8Array;
}

/** Everything one block changes; committed atomically or not at all. */
export interface BlockCommit {
  block: BlockRow;
  txs: TxRow[];
  state: StateRow[];
  logNodes: LogNodeRow[];
}

export interface StoredStateRow {
  namespace: string;
  key: string;
  value: string;
  height: number;
}

export interface LedgerStore {
  /** The last committed block, or undefined for an empty ledger. */
  head(): BlockRow | undefined;
  commitBlock(commit: BlockCommit): void;
  getBlock(height: number): BlockRow | undefined;
  listBlocks(from: number, limit: number): BlockRow[];
  blockTxs(height: number): TxRow[];
  /** The occurrence that claimed a transaction id (else the first one, e.g. a bad-signature copy). */
  getTx(txId: string): TxRow | undefined;
  /** Whether an entry that passed the stateless checks already claimed this txId. */
  hasTx(txId: string): boolean;
  getTxAt(leafIndex: number): TxRow | undefined;
  txCount(): number;
  getState(namespace: string, key: string): string | undefined;
  /** State rows whose key starts with prefix, in key order, after `afterKey` if given. */
  scanState(namespace: string, prefix: string, limit: number, afterKey?: string): StoredStateRow[];
  allState(): Iterable<StoredStateRow>;
  getLogNode(level: number, index: number): Uint8Array | undefined;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** Database size in bytes (pages in use), for metrics and benchmarks. */
  sizeBytes(): number;
  close(): void;
}

/** An ordered batch as the embedded orderer persists it before acknowledging. */
export interface BatchRow {
  seq: number;
  time: string;
  payload: Uint8Array;
}

export interface BatchLogStore {
  /** Appends a batch durably (fsync) and returns its sequence number. */
  appendBatch(time: string, payload: Uint8Array): number;
  batchesAfter(seq: number, limit: number): BatchRow[];
  lastBatchSeq(): number;
  /** Drops batches up to and including seq (they are in committed blocks). */
  pruneBatches(throughSeq: number): void;
}
