// The audit outbox (transactional outbox pattern): a read never waits for a
// ledger commit. Each access event is appended to the audit journal in the
// request path (journal.ts: one write, durable against a process crash; the
// SQLite table fhir_audit_outbox serves in-memory databases), and a
// background flusher signs ONE access.record transaction with up to 500 events
// (and under the envelope size limit) every ~25 ms, or at once when 200 wait,
// submits it, and advances the journal's watermark once it is committed OK.
// Transient failures (TIMEOUT, UNAVAILABLE, STALE_TIME, throws) leave the
// events for the next round; a batch the ledger refuses for good is split in
// halves until the offending event is isolated and parked in fhir_audit_dead.
import type Database from 'better-sqlite3';
import { isCareLedgerError, parseEnvelope, signTx, type ParsedEnvelope, type ResultCode } from '../../ledger/index.js';
import { AuditJournal } from './journal.js';
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
  /** fsync every journal append before the read answers (default false: see enqueue). */
  fsyncEachEvent?: boolean;
  /** Told about failures; never given event contents. */
  onError?: (message: string) => void;
}

interface Row {
  patient: string;
  event: string;
  /** SQLite outbox row id (in-memory databases). */
  seq?: number;
  /** Journal offset just past this event's line (file-backed databases). */
  end?: number;
}

export class AuditOutbox {
  readonly #db: Database.Database;
  readonly #port: LedgerPort;
  readonly #intervalMs: number;
  readonly #flushAt: number;
  readonly #onError: (message: string) => void;
  readonly #fsyncEach: boolean;
  readonly #sql;
  /** The durable queue for a file-backed database; undefined for an in-memory one (SQLite rows then). */
  readonly #journal: AuditJournal | undefined;
  /** Events not yet committed, oldest first: the in-memory mirror of the journal (or table). */
  readonly #queue: Row[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(db: Database.Database, port: LedgerPort, options: OutboxOptions = {}) {
    this.#db = db;
    this.#port = port;
    this.#intervalMs = options.intervalMs ?? 25;
    this.#flushAt = options.flushAt ?? 200;
    this.#onError = options.onError ?? (() => undefined);
    this.#fsyncEach = options.fsyncEachEvent ?? false;
    this.#sql = {
      insert: db.prepare('INSERT INTO fhir_audit_outbox (patient, event) VALUES (?, ?)'),
      all: db.prepare<[], Required<Pick<Row, 'seq' | 'patient' | 'event'>>>('SELECT seq, patient, event FROM fhir_audit_outbox ORDER BY seq'),
      remove: db.prepare('DELETE FROM fhir_audit_outbox WHERE seq = ?'),
      dead: db.prepare('INSERT INTO fhir_audit_dead (patient, event, code) VALUES (?, ?, ?)'),
    };
    if (db.memory) {
      this.#journal = undefined;
      this.#queue.push(...this.#sql.all.all());
      return;
    }
    this.#journal = new AuditJournal(db, `${db.name}-audit.journal`);
    this.#queue.push(...this.#journal.pendingLines());
    // Events an earlier version queued in the table move to the journal.
    const legacy = this.#sql.all.all();
    if (legacy.length > 0) {
      const ends = this.#journal.append(legacy, true);
      legacy.forEach((r, i) => this.#queue.push({ patient: r.patient, event: r.event, end: ends[i]! }));
      db.transaction(() => legacy.forEach((r) => this.#sql.remove.run(r.seq)))();
    }
  }

  /** Queues events durably and schedules a flush. */
  enqueue(events: readonly AccessEvent[]): void {
    if (events.length === 0) return;
    // The queued text need not be canonical: the flusher parses it and the
    // signed transaction is canonicalised then.
    const rows: Row[] = events.map((e) => ({ patient: e.patient, event: JSON.stringify(e) }));
    if (this.#journal) {
      // One write(2) before the read answers: it survives a process crash;
      // fsyncEachEvent adds an fsync (survives power loss, ~ms per read).
      const ends = this.#journal.append(rows, this.#fsyncEach);
      rows.forEach((r, i) => (r.end = ends[i]!));
    } else {
      this.#db.transaction(() => rows.forEach((r) => (r.seq = Number(this.#sql.insert.run(r.patient, r.event).lastInsertRowid))))();
    }
    this.#queue.push(...rows);
    if (this.#closed) return;
    if (this.pending() >= this.#flushAt) this.#kick(0);
    else this.#kick(this.#intervalMs);
  }

  /** Events queued and not yet committed. */
  pending(): number {
    return this.#queue.length;
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

  /** Stops the timer, flushes what is left and closes the journal. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#journal?.close();
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
    while (this.#queue.length > 0) {
      const batch = packBatch(this.#queue.slice(0, MAX_EVENTS_PER_TX));
      const ok = await this.#send(batch);
      if (!ok) return;
    }
  }

  /** Drops rows from the head of the queue once the ledger has them (or parked them as dead). */
  #settle(rows: readonly Row[]): void {
    const done = new Set(rows);
    let n = 0;
    while (n < this.#queue.length && done.has(this.#queue[n]!)) n++;
    this.#queue.splice(0, n);
    const last = rows.at(-1);
    if (this.#journal) {
      if (last?.end !== undefined) this.#journal.committed(last.end);
    } else {
      this.#db.transaction(() => rows.forEach((r) => r.seq !== undefined && this.#sql.remove.run(r.seq)))();
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
      this.#settle(rows);
      return true;
    }
    if (TRANSIENT.has(code)) {
      this.#onError(`audit batch of ${rows.length} not committed: ${code}`);
      return false;
    }
    if (rows.length === 1) {
      const [r] = rows as [Row];
      this.#onError(`an access event was refused by the ledger: ${code}`);
      this.#sql.dead.run(r.patient, r.event, code);
      this.#settle(rows);
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
