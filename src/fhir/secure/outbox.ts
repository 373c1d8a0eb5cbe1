// The audit outbox (transactional outbox pattern): a read never waits for a
// ledger commit. Each access event is inserted into fhir_audit_outbox in the
// request path (durable once the insert commits, synchronous=FULL), and a
// background flusher signs ONE access.record transaction with up to 500 events
// (and under the envelope size limit) every ~25 ms, or at once when 200 wait,
// submits it, and deletes the rows once the transaction is committed OK.
// (Durability: see enqueue.) Transient failures (TIMEOUT, UNAVAILABLE, STALE_TIME, throws) leave the rows
// for the next round; a batch the ledger refuses for good is split in halves
// until the offending event is isolated and parked in fhir_audit_dead.
import type Database from 'better-sqlite3';
import { isCareLedgerError, parseEnvelope, signTx, type ParsedEnvelope, type ResultCode } from '../../ledger/index.js';
import type { LedgerPort } from './ports.js';

/** One access event, as the access contract's `record` action takes it (IHE BALP: one per patient per request). */
export interface AccessEvent {
  patient: string;
  accessor: { kind: 'member'; orgId: string; memberId: string } | { kind: 'patient' | 'delegate'; id: string };
  interaction: 'read' | 'vread' | 'search' | 'history' | 'everything' | 'disclose' | 'create' | 'update' | 'delete';
  records: Array<{ recordId: string; version: number }>;
  resourceTypes: string[];
  purpose: string;
  consentIds: string[];
  breakGlass?: { reason: string };
  recipientOrg?: string;
  requestId: string;
  at: string;
}

export const MAX_EVENTS_PER_TX = 500;
/** Stay well under MAX_ENVELOPE_BYTES (64 KiB) with the tx wrapper and signature. */
const MAX_EVENT_BYTES_PER_TX = 56 * 1024;
const TRANSIENT: ReadonlySet<ResultCode> = new Set(['TIMEOUT', 'UNAVAILABLE', 'STALE_TIME', 'INTERNAL']);

export interface OutboxOptions {
  /** Flush delay after the first queued event (default 25 ms). */
  intervalMs?: number;
  /** Flush at once when this many events wait (default 200). */
  flushAt?: number;
  /** fsync every outbox insert before the read answers (default false: group commit, see enqueue). */
  fsyncEachEvent?: boolean;
  /** Told about failures; never given event contents. */
  onError?: (message: string) => void;
}

interface Row {
  seq: number;
  patient: string;
  event: string;
}

export class AuditOutbox {
  readonly #db: Database.Database;
  readonly #port: LedgerPort;
  readonly #intervalMs: number;
  readonly #flushAt: number;
  readonly #onError: (message: string) => void;
  readonly #fsyncEach: boolean;
  readonly #sql;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #fullSync: boolean;
  #pending = 0;
  readonly #insertMany: (events: readonly AccessEvent[]) => void;

  constructor(db: Database.Database, port: LedgerPort, options: OutboxOptions = {}) {
    this.#db = db;
    this.#port = port;
    this.#intervalMs = options.intervalMs ?? 25;
    this.#flushAt = options.flushAt ?? 200;
    this.#onError = options.onError ?? (() => undefined);
    this.#fsyncEach = options.fsyncEachEvent ?? false;
    this.#fullSync = (db.pragma('synchronous', { simple: true }) as number) > 1;
    this.#sql = {
      insert: db.prepare('INSERT INTO fhir_audit_outbox (patient, event) VALUES (?, ?)'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fhir_audit_outbox'),
      head: db.prepare<[number], Row>('SELECT seq, patient, event FROM fhir_audit_outbox ORDER BY seq LIMIT ?'),
      remove: db.prepare('DELETE FROM fhir_audit_outbox WHERE seq = ?'),
      dead: db.prepare('INSERT OR REPLACE INTO fhir_audit_dead (seq, patient, event, code) VALUES (?, ?, ?, ?)'),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
    };
    this.#pending = this.#sql.count.get()?.n ?? 0;
    this.#insertMany = db.transaction((events: readonly AccessEvent[]) => {
      for (const e of events) this.#sql.insert.run(e.patient, JSON.stringify(e));
    });
  }

  /** Queues events durably (one SQLite transaction) and schedules a flush. */
  enqueue(events: readonly AccessEvent[]): void {
    if (events.length === 0) return;
    // Group commit: the insert is committed to the WAL before the read answers
    // (it survives a process crash); its fsync rides on the next FULL commit or
    // checkpoint, since an fsync per read (~3 ms here) would break the read budget.
    // The queued text need not be canonical: the flusher parses it and the
    // signed transaction is canonicalised then.
    const relax = !this.#fsyncEach && !this.#db.inTransaction && this.#fullSync;
    if (relax) this.#sql.syncNormal.run();
    try {
      if (events.length === 1) this.#sql.insert.run(events[0]!.patient, JSON.stringify(events[0]));
      else this.#insertMany(events);
      this.#pending += events.length;
    } finally {
      if (relax) this.#sql.syncFull.run();
    }
    if (this.#closed) return;
    if (this.pending() >= this.#flushAt) this.#kick(0);
    else this.#kick(this.#intervalMs);
  }

  /** Events queued and not yet committed (counted in memory; the table is the durable copy). */
  pending(): number {
    return this.#pending;
  }

  /** Flushes everything queued so far (resolves when the outbox is empty or a transient failure stops it). */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    const run = this.#drain();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = undefined;
    }
  }

  /** Stops the timer and flushes what is left. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #kick(delayMs: number): void {
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().then(
        () => {
          if (!this.#closed && this.pending() > 0) this.#kick(this.#intervalMs * 4);
        },
        (e: unknown) => this.#onError(`audit flush failed: ${e instanceof Error ? e.message : 'error'}`),
      );
    }, delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = this.#sql.head.all(MAX_EVENTS_PER_TX);
      if (rows.length === 0) return;
      const batch = packBatch(rows);
      const ok = await this.#send(batch);
      if (!ok) return;
    }
  }

  /** Sends rows in one tx; false on a transient failure (rows stay). Permanent refusals bisect. */
  async #send(rows: Row[]): Promise<boolean> {
    let code: ResultCode;
    try {
      code = await this.#submit(rows);
    } catch (e) {
      if (!isCareLedgerError(e) || (e.code !== 'MALFORMED' && e.code !== 'TOO_LARGE')) {
        this.#onError(`audit batch of ${rows.length} not submitted: ${e instanceof Error ? e.message : 'error'}`);
        return false;
      }
      code = e.code;
    }
    if (code === 'OK') {
      this.#db.transaction(() => rows.forEach((r) => this.#sql.remove.run(r.seq)))();
      this.#pending -= rows.length;
      return true;
    }
    if (TRANSIENT.has(code)) {
      this.#onError(`audit batch of ${rows.length} not committed: ${code}`);
      return false;
    }
    if (rows.length === 1) {
      const [r] = rows as [Row];
      this.#onError(`access event ${r.seq} refused by the ledger: ${code}`);
      this.#db.transaction(() => {
        this.#sql.dead.run(r.seq, r.patient, r.event, code);
        this.#sql.remove.run(r.seq);
      })();
      this.#pending -= 1;
      return true;
    }
    const mid = Math.ceil(rows.length / 2);
    return (await this.#send(rows.slice(0, mid))) && (await this.#send(rows.slice(mid)));
  }

  async #submit(rows: Row[]): Promise<ResultCode> {
    const events = rows.map((r) => JSON.parse(r.event) as unknown);
    const envelope: ParsedEnvelope = parseEnvelope(
      signTx(
        { network: this.#port.networkId, contract: 'access', action: 'record', args: { events }, time: this.#port.now() },
        this.#port.nodeKey,
      ),
    );
    const [result] = await this.#port.submit([envelope]);
    return result?.code ?? 'UNAVAILABLE';
  }
}

/** The longest prefix of rows within the per-transaction event count and byte budget (at least one row). */
function packBatch(rows: Row[]): Row[] {
  let bytes = 0;
  const out: Row[] = [];
  for (const r of rows) {
    bytes += Buffer.byteLength(r.event) + 1;
    if (out.length > 0 && bytes > MAX_EVENT_BYTES_PER_TX) break;
    out.push(r);
  }
  return out;
}
