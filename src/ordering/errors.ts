// Typed errors of the ordering layer. The ordering layer sits below ledger/,
// so it cannot use CareLedgerError; these carry the same `code` and `field`
// shape so the node layer can map them one to one.

/**
 * The requested position is older than what the ordering service still holds:
 * batches up to `compactRevision` were pruned once every live node had them.
 * The node must fetch the missing blocks from a peer, re-execute them, and
 * start delivery again from a position >= compactRevision.
 */
export class CompactedError extends Error {
  readonly code = 'UNAVAILABLE' as const;
  readonly field = 'compacted' as const;
  /** The position delivery was asked to resume after. */
  readonly requestedSeq: number;
  /** Every batch with seq <= compactRevision may be gone from the ordering service. */
  readonly compactRevision: number;

  constructor(requestedSeq: number, compactRevision: number) {
    super(`ordering position ${requestedSeq} was compacted (batches through ${compactRevision} are pruned); catch up from a peer`);
    this.name = 'CompactedError';
    this.requestedSeq = requestedSeq;
    this.compactRevision = compactRevision;
  }
}

/** The delivery handler (the node's commit path) threw; delivery stops. */
export class DeliveryHandlerError extends Error {
  readonly code = 'INTERNAL' as const;
  readonly seq: number;

  constructor(seq: number, cause: unknown) {
    super(`handler failed on batch ${seq}`, { cause });
    this.name = 'DeliveryHandlerError';
    this.seq = seq;
  }
}
