// The audit outbox (transactional outbox pattern): a read never waits for the
// ledger. Each access event is sealed and appended to the audit journal in the
// request path (journal.ts: one write, durable against a process crash; an
// in-memory database appends straight to the access log). A background
// flusher, every ~25 ms or at once when 200 wait, (1) moves journal lines into
// the custodian's access log (access-log.ts: per-patient hash chains, sealed,
// off the ledger) in one SQLite transaction with the journal's watermark, then
// (2) signs ONE access.anchor transaction with the new chain heads and
// break-glass references (no pseudonym, accessor, purpose or reason) and
// submits it. What is anchored is read back from the ledger's state, so a
// crash, a timeout or a replay never skips or doubles a chain segment.
import type Database from 'better-sqlite3';
import { ACCESS_CONTRACT, getChainHead, type ChainEntry } from '../../contracts/access/index.js';
import { parseEnvelope, signTx, type LedgerPort } from '../../ledger/index.js';
import { isCareLedgerError, CareLedgerError, type ResultCode } from '../../errors/index.js';
import type { AccessLogStore } from './access-log.js';
import { AuditJournal, type JournalLine } from './journal.js';

/** One access event, as the access log takes it (IHE BALP: one per patient per request). */
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

/** Chains per anchor transaction: ~170 bytes each keeps the envelope well under 64 KiB. */
export const MAX_CHAINS_PER_ANCHOR = 200;
/** Break-glass references per anchor transaction (~70 bytes each). */
export const MAX_REFS_PER_ANCHOR = 100;
/** Journal lines moved per SQLite transaction; the flusher yields to the event loop between chunks so reads are not held up. */
const INGEST_CHUNK = 64;
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

interface Anchor {
  entries: ChainEntry[];
  breakGlass: string[];
}

export class AuditOutbox {
  /** The custodian's access log the outbox feeds. */
  readonly log: AccessLogStore;
  readonly #db: Database.Database;
  readonly #port: LedgerPort;
  readonly #intervalMs: number;
  readonly #flushAt: number;
  readonly #onError: (message: string) => void;
  readonly #fsyncEach: boolean;
  /** The durable queue for a file-backed database; undefined for an in-memory one (straight to the log). */
  readonly #journal: AuditJournal | undefined;
  /** Journal lines not yet in the log, oldest first. */
  readonly #queue: JournalLine[] = [];
  /** Chains whose anchor the ledger refused for good (diverged); skipped until restart. */
  readonly #stuck = new Set<string>();
  /** Events enqueued since the last flush started (the flush trigger; pending() is a query). */
  #sinceFlush = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(db: Database.Database, port: LedgerPort, log: AccessLogStore, options: OutboxOptions = {}) {
    this.#db = db;
    this.#port = port;
    this.log = log;
    this.#intervalMs = options.intervalMs ?? 25;
    this.#flushAt = options.flushAt ?? 200;
    this.#onError = options.onError ?? (() => undefined);
    this.#fsyncEach = options.fsyncEachEvent ?? false;
    this.#migrateLegacyTable();
    if (db.memory) {
      this.#journal = undefined;
      return;
    }
    this.#journal = new AuditJournal(db, `${db.name}-audit.journal`);
    this.#queue.push(...this.#journal.pendingLines());
    this.#ingest();
  }

  /** Events an earlier version queued in clear in fhir_audit_outbox move into the log. */
  #migrateLegacyTable(): void {
    const exists = this.#db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fhir_audit_outbox'`).get();
    if (exists === undefined) return;
    const rows = this.#db.prepare<[], { seq: number; event: string }>('SELECT seq, event FROM fhir_audit_outbox ORDER BY seq').all();
    if (rows.length === 0) return;
    this.#db.transaction(() => {
      this.log.append(rows.map((r) => JSON.parse(r.event) as unknown));
      this.#db.prepare('DELETE FROM fhir_audit_outbox').run();
    })();
  }

  /** Queues events durably and schedules a flush. */
  enqueue(events: readonly AccessEvent[]): void {
    if (events.length === 0) return;
    if (this.#journal) {
      // One write(2) before the read answers: it survives a process crash;
      // fsyncEachEvent adds an fsync (survives power loss, ~ms per read).
      const lines = events.map((e) => this.log.sealJournalLine(e));
      const ends = this.#journal.append(lines, this.#fsyncEach);
      lines.forEach((line, i) => this.#queue.push({ line, end: ends[i]! }));
    } else {
      this.log.append(events);
    }
    this.#sinceFlush += events.length;
    if (this.#closed) return;
    if (this.#sinceFlush >= this.#flushAt) this.#kick(0);
    else this.#kick(this.#intervalMs);
  }

  /** Events queued or logged and not yet anchored on the ledger. */
  pending(): number {
    return this.#queue.length + this.log.unanchoredCount();
  }

  /** Moves and anchors everything queued so far (resolves when done or a transient failure stops it). */
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

  /**
   * Appends events (a disclosure) durably to the log and anchors them now;
   * resolves with the anchoring block's height. UNAVAILABLE if they are not
   * anchored: the caller must then not disclose.
   */
  async recordNow(events: readonly AccessEvent[]): Promise<number> {
    this.#ingest();
    const placed = this.log.append(events);
    await this.flush();
    let height = -1;
    for (const p of placed) {
      const head = getChainHead(this.#port.state, this.#port.orgId, p.chain);
      if (head === undefined || head.seq < p.seq) throw new CareLedgerError('UNAVAILABLE', 'the access event could not be anchored on the ledger', { field: 'audit' });
      height = Math.max(height, head.height);
    }
    return height;
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
    this.#sinceFlush = 0;
    while (this.#queue.length > 0) {
      this.#ingestChunk();
      if (this.#queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#journal?.compact();
    for (;;) {
      const anchor = this.#build();
      if (anchor === undefined) return;
      if (!(await this.#send(anchor))) return;
    }
  }

  /** Journal lines -> access log, all of them now (start-up, recordNow). */
  #ingest(): void {
    while (this.#queue.length > 0) this.#ingestChunk();
    this.#journal?.compact();
  }

  /** Moves one chunk of journal lines into the access log in one transaction with the journal's watermark. */
  #ingestChunk(): void {
    const journal = this.#journal;
    if (journal === undefined || this.#queue.length === 0) return;
    const chunk = this.#queue.slice(0, INGEST_CHUNK);
    const events: unknown[] = [];
    for (const row of chunk) {
      try {
        // A line an earlier version wrote in clear is JSON; ours are sealed.
        events.push(row.line.startsWith('{') ? (JSON.parse(row.line) as unknown) : this.log.openJournalLine(row.line));
      } catch {
        this.#onError('an audit journal line could not be opened and was skipped');
      }
    }
    const end = chunk.at(-1)!.end;
    try {
      this.#db.transaction(() => {
        this.log.append(events);
        journal.advance(end);
      })();
    } catch {
      // One event the log refuses (a bug upstream) must not block the others: append them one by one.
      this.#db.transaction(() => {
        for (const e of events) {
          try {
            this.log.append([e]);
          } catch {
            this.#onError('an access event was refused by the access log and dropped');
          }
        }
        journal.advance(end);
      })();
    }
    this.#queue.splice(0, chunk.length);
  }

  /** The next anchor: per unanchored chain, from the ledger's seq + 1 to the local head. */
  #build(): Anchor | undefined {
    const { state, orgId } = this.#port;
    const entries: ChainEntry[] = [];
    const breakGlass: string[] = [];
    for (const c of this.log.unanchored(MAX_CHAINS_PER_ANCHOR + this.#stuck.size)) {
      if (this.#stuck.has(c.chain)) continue;
      const onLedger = getChainHead(state, orgId, c.chain);
      const anchored = onLedger?.seq ?? 0;
      if (onLedger !== undefined && this.log.headAt(c.chain, anchored) !== onLedger.head) {
        this.#stuck.add(c.chain);
        this.#onError('an access chain differs from its anchored head; it is no longer anchored');
        continue;
      }
      if (anchored >= c.seq) {
        this.log.markAnchored(c.chain, c.seq);
        continue;
      }
      let refs = this.log.breakGlassRefs(c.chain, anchored, c.seq);
      let seq = c.seq;
      let head = c.head;
      const room = MAX_REFS_PER_ANCHOR - breakGlass.length;
      if (refs.length > room) {
        seq = (refs[room]?.seq ?? c.seq + 1) - 1;
        refs = refs.slice(0, room);
        if (seq <= anchored) break;
        head = this.log.headAt(c.chain, seq) ?? head;
      }
      entries.push({ chain: c.chain, from: anchored + 1, seq, head });
      breakGlass.push(...refs.map((r) => r.ref));
      if (entries.length >= MAX_CHAINS_PER_ANCHOR || breakGlass.length >= MAX_REFS_PER_ANCHOR) break;
    }
    return entries.length === 0 ? undefined : { entries, breakGlass };
  }

  /** Sends one anchor; false on a transient failure. A permanent refusal bisects down to the chain at fault. */
  async #send(anchor: Anchor): Promise<boolean> {
    let code: ResultCode;
    try {
      code = await this.#submit(anchor);
    } catch (e) {
      if (!isCareLedgerError(e) || (e.code !== 'MALFORMED' && e.code !== 'TOO_LARGE')) {
        this.#onError(`access anchor of ${anchor.entries.length} chains not submitted: ${e instanceof Error ? e.message : 'error'}`);
        return false;
      }
      code = e.code;
    }
    if (code === 'OK') {
      for (const e of anchor.entries) this.log.markAnchored(e.chain, e.seq);
      return true;
    }
    if (TRANSIENT.has(code)) {
      this.#onError(`access anchor of ${anchor.entries.length} chains not committed: ${code}`);
      return false;
    }
    if (anchor.entries.length === 1) {
      const [e] = anchor.entries as [ChainEntry];
      // An earlier anchor that timed out may have committed since: then the next build starts after it.
      if ((getChainHead(this.#port.state, this.#port.orgId, e.chain)?.seq ?? 0) < e.from) {
        this.#stuck.add(e.chain);
        this.#onError(`an access chain anchor was refused by the ledger: ${code}`);
      }
      return true;
    }
    const mid = Math.ceil(anchor.entries.length / 2);
    const half = (list: ChainEntry[]): Anchor => ({
      entries: list,
      breakGlass: list.flatMap((e) => this.log.breakGlassRefs(e.chain, e.from - 1, e.seq).map((r) => r.ref)),
    });
    return (await this.#send(half(anchor.entries.slice(0, mid)))) && (await this.#send(half(anchor.entries.slice(mid))));
  }

  async #submit(anchor: Anchor): Promise<ResultCode> {
    const envelope = parseEnvelope(
      signTx(
        { network: this.#port.networkId, contract: ACCESS_CONTRACT, action: 'anchor', args: { entries: anchor.entries, breakGlass: anchor.breakGlass }, time: this.#port.now() },
        this.#port.nodeKey,
      ),
    );
    const [result] = await this.#port.submit([envelope]);
    return result?.code ?? 'UNAVAILABLE';
  }
}
