// The Orderer interface: one total order of batches shared by every node.
// One ordered batch becomes one block, so block boundaries are identical on
// every node (ARCHITECTURE section 3). Implementations: solo (embedded,
// in-process, durable in SQLite) and etcd (Raft cluster).

export interface OrderedBatch {
  /** Strictly increasing position in the order (solo sequence or etcd revision). */
  seq: number;
  /** The proposer's clock when the batch was cut (RFC 3339 millis). */
  time: string;
  /** Envelopes as submitted: JCS bytes, one per transaction. */
  envelopes: Uint8Array[];
}

/** What readiness and metrics know of the ordering service (docs/operations.md). */
export interface OrdererHealth {
  /** The service answered a quorum read recently: it can order now. */
  reachable: boolean;
  /** Milliseconds since the last answer, if there was one. */
  lastOkAgoMs?: number;
  /** etcd revisions after this node's last applied batch (catch-up lag; etcd-probe.ts), as of the last answer. */
  lagRevisions?: number;
  /** Why it is not reachable (an error class name, never a host or a message). */
  detail?: string;
  /** Catching up from a peer after pruning. */
  recovering?: boolean;
}

export type BatchHandler = (batch: OrderedBatch) => Promise<void>;

export interface Orderer {
  /** Orders envelopes; resolves once the batch holding them is durable. */
  submit(envelopes: readonly Uint8Array[]): Promise<void>;
  /** Delivers every batch after `afterSeq` in order, awaiting the handler for each. */
  start(afterSeq: number, handler: BatchHandler): void;
  close(): Promise<void>;
  /** Reachability and lag; absent when ordering is in-process (solo: always available). */
  health?(): OrdererHealth;
}
