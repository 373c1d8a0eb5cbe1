// Ordering with a deadline (docs/operations.md, "Retry semantics"). The node
// hands a request's envelopes to the orderer and waits at most
// ORDERING_DEADLINE_MS for its acknowledgement (the batch is durable); past
// that, or at once when the orderer is known to be unreachable, the client
// gets ORDERING_UNAVAILABLE (503, Retry-After) naming each txId and whether
// it reached the orderer: 'not-ordered' (never handed over) or 'unknown'
// (handed over, not acknowledged yet: the orderer keeps trying, and it may
// still commit). Resubmitting the same envelope is always safe: a copy still
// in flight at this node is joined, not ordered twice (the node's committed
// check answers one that is already on the ledger). Latency and errors feed
// the metrics.
import { CareLedgerError, type ResultCode } from '../../errors/index.js';
import type { Orderer } from '../../ordering/index.js';
import { Histogram } from './histogram.js';
import { isStorageFault } from '../../errors/index.js';

/** How long a submission waits for the orderer's acknowledgement before answering 503. */
export const ORDERING_DEADLINE_MS = 1_500;
/** Retry-After (s) of an ORDERING_UNAVAILABLE answer. */
export const ORDERING_RETRY_AFTER_S = 2;

export type OrderingStatus = 'not-ordered' | 'unknown';

/** A submission the orderer did not acknowledge: ORDERING_UNAVAILABLE (503) or, past the client's own timeout, TIMEOUT (504). */
export class OrderingUnavailable extends CareLedgerError {
  readonly retryAfterSeconds: number;
  readonly txs: ReadonlyArray<{ txId: string; status: OrderingStatus }>;

  constructor(code: ResultCode, message: string, txs: ReadonlyArray<{ txId: string; status: OrderingStatus }>, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.name = 'OrderingUnavailable';
    this.retryAfterSeconds = ORDERING_RETRY_AFTER_S;
    this.txs = txs;
  }
}

export interface OrderItem {
  txId: string;
  /** Identifies the exact envelope bytes (the commit waiters' key). */
  key: string;
  bytes: Uint8Array;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type OrderingErrorKind = 'unreachable' | 'deadline' | 'rejected';

export class OrderingGate {
  /** Seconds from hand-over to acknowledgement, of acknowledged submissions. */
  readonly latency = new Histogram(LATENCY_BUCKETS);
  readonly errors: Record<OrderingErrorKind, number> = { unreachable: 0, deadline: 0, rejected: 0 };
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly orderer: Orderer, private readonly deadlineMs = ORDERING_DEADLINE_MS) {}

  /**
   * Orders the items; resolves once every one is acknowledged. Throws
   * OrderingUnavailable otherwise (TIMEOUT when `clientTimeoutMs`, shorter
   * than the deadline, ran out first).
   */
  async order(items: readonly OrderItem[], clientTimeoutMs?: number): Promise<void> {
    const health = this.orderer.health?.();
    if (health && !health.reachable) {
      this.errors.unreachable++;
      const txs = items.map((i) => ({ txId: i.txId, status: 'not-ordered' as const }));
      throw new OrderingUnavailable('ORDERING_UNAVAILABLE', 'the ordering service is unreachable; nothing was ordered: retry after Retry-After', txs);
    }
    const fresh = items.filter((i) => !this.inFlight.has(i.key));
    const joined = items.flatMap((i) => (this.inFlight.has(i.key) ? [this.inFlight.get(i.key)!] : []));
    const t0 = performance.now();
    const put = fresh.length === 0 ? Promise.resolve() : this.orderer.submit(fresh.map((i) => i.bytes));
    for (const i of fresh) this.inFlight.set(i.key, put);
    void put.then(
      () => this.latency.observe((performance.now() - t0) / 1000),
      () => this.errors.rejected++,
    ).finally(() => {
      for (const i of fresh) if (this.inFlight.get(i.key) === put) this.inFlight.delete(i.key);
    });
    // The in-process orderer (no health) appends to this node's own disk: no ordering deadline there.
    const deadline = this.orderer.health ? this.deadlineMs : Infinity;
    const limit = Math.min(deadline, clientTimeoutMs ?? Infinity);
    if (limit === Infinity) {
      await Promise.all([put, ...joined]).catch((error: unknown) => {
        const code = isStorageFault(error) ? 'STORAGE_UNAVAILABLE' : 'ORDERING_UNAVAILABLE';
        throw new OrderingUnavailable(code, 'the ordering log refused the batch; retry after Retry-After', items.map((i) => ({ txId: i.txId, status: 'unknown' as const })), error);
      });
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), limit)));
    const unknown = items.map((i) => ({ txId: i.txId, status: 'unknown' as const }));
    try {
      const outcome = await Promise.race([Promise.all([put, ...joined]), expired]);
      if (outcome !== 'expired') return;
    } catch (error) {
      if (isStorageFault(error)) throw new OrderingUnavailable('STORAGE_UNAVAILABLE', 'the node cannot write its ordering log (disk full or failing); retry after Retry-After', unknown, error);
      throw new OrderingUnavailable('ORDERING_UNAVAILABLE', 'the ordering service refused the batch; it may still be ordered: poll GET /ledger/v1/transactions/{txId} or resubmit the same envelope', unknown, error);
    } finally {
      clearTimeout(timer);
    }
    if (limit < deadline) {
      throw new OrderingUnavailable('TIMEOUT', `ordering was not acknowledged within timeoutMs ${limit}; poll GET /ledger/v1/transactions/{txId} or resubmit the same envelope`, unknown);
    }
    this.errors.deadline++;
    throw new OrderingUnavailable('ORDERING_UNAVAILABLE', `the ordering service did not acknowledge within ${limit} ms; it may still order the batch: poll GET /ledger/v1/transactions/{txId} or resubmit the same envelope`, unknown);
  }
}
