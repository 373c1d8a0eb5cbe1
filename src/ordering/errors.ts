// Typed errors of the ordering layer: CareLedgerErrors from the ground floor
// (src/errors) with what the node needs to recover.
import { CareLedgerError } from '../errors/index.js';

/**
 * The requested position is older than what the ordering service still holds:
 * batches up to `compactRevision` were pruned once every live node had them.
 * The node must fetch the missing blocks from a peer, re-execute them, and
 * start delivery again from a position >= compactRevision.
 */
export class CompactedError extends CareLedgerError {
  /** The position delivery was asked to resume after. */
  readonly requestedSeq: number;
  /** Every batch with seq <= compactRevision may be gone from the ordering service. */
  readonly compactRevision: number;

  constructor(requestedSeq: number, compactRevision: number) {
    super('UNAVAILABLE', `ordering position ${requestedSeq} was compacted (batches through ${compactRevision} are pruned); catch up from a peer`, { field: 'compacted' });
    this.name = 'CompactedError';
    this.requestedSeq = requestedSeq;
    this.compactRevision = compactRevision;
  }
}

/** The delivery handler (the node's commit path) threw; delivery stops. */
export class DeliveryHandlerError extends CareLedgerError {
  readonly seq: number;

  constructor(seq: number, cause: unknown) {
    super('INTERNAL', `handler failed on batch ${seq}`, { cause });
    this.name = 'DeliveryHandlerError';
    this.seq = seq;
  }
}
