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

export type BatchHandler = (batch: OrderedBatch) => Promise<void>;

export interface Orderer {
  /** Orders envelopes; resolves once the batch holding them is durable. */
  submit(envelopes: readonly Uint8Array[]): Promise<void>;
  /** Delivers every batch after `afterSeq` in order, awaiting the handler for each. */
  start(afterSeq: number, handler: BatchHandler): void;
  close(): Promise<void>;
}
