// The custodian's access log (docs/privacy.md): every access event's full
// detail stays here, off the ledger, sealed with AES-256-GCM under a key
// wrapped by the vault's KEK, in an append-only per-patient hash chain
// (contracts/access/chain.ts). Rows are keyed by the blinded chain id and seq
// only; triggers refuse UPDATE and DELETE of a log row except for a chain
// whose retention ended after the patient's erasure. What the ledger has
// anchored is read from the ledger itself (the outbox), never trusted locally.
import type Database from 'better-sqlite3';
import {
  GENESIS_HEAD,
  accessEventHash,
  accessEventId,
  accessEventSchema,
  breakGlassRef,
  nextChainHead,
  type AccessEvent,
  type ChainedAccessEvent,
  type ChainLink,
} from '../../contracts/access/index.js';
import { canonicalBytes } from '../../crypto/index.js';
import { CareLedgerError, issuePath } from '../../errors/index.js';
import type { Kek } from '../../vault/index.js';
import { AccessLogKeys } from './access-log-keys.js';

const DDL = `
CREATE TABLE IF NOT EXISTS access_meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_chain (
  chain        TEXT PRIMARY KEY,
  seq          INTEGER NOT NULL,
  head         TEXT NOT NULL,
  anchored_seq INTEGER NOT NULL DEFAULT 0,
  erased_at    TEXT,
  purging      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS access_chain_unanchored ON access_chain (chain) WHERE seq > anchored_seq;
CREATE TABLE IF NOT EXISTS access_log (
  chain      TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  event_hash TEXT NOT NULL,
  head       TEXT NOT NULL,
  btg_ref    TEXT,
  sealed     BLOB NOT NULL,
  PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS access_log_btg ON access_log (btg_ref) WHERE btg_ref IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS access_log_append_only BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log
WHEN COALESCE((SELECT purging FROM access_chain WHERE chain = OLD.chain), 0) = 0
BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
`;

/** An event as served to its patient and the custodian's overseers. */
export type StoredAccessEvent = ChainedAccessEvent & { eventId: string };


/** A chain advance waiting for its anchor: events from..seq, head after seq, break-glass refs among them. */
export interface PendingAdvance {
  chain: string;
  seq: number;
  head: string;
  anchoredSeq: number;
}

/** HIPAA 164.316(b)(2)(i): documentation is kept six years; the log of an erased patient is kept that long after erasure. */
export const ACCESS_LOG_RETENTION_MS = 6 * 366 * 24 * 3600 * 1000;

const rowAad = (chain: string, seq: number): string => `careledger.access-log/1\n${chain}\n${seq}`;
const JOURNAL_AAD = 'careledger.access-journal/1';

export class AccessLogStore {
  readonly custodian: string;
  readonly #db: Database.Database;
  readonly #keys: AccessLogKeys;
  readonly #sql;

  private constructor(db: Database.Database, keys: AccessLogKeys, custodian: string) {
    this.#db = db;
    this.#keys = keys;
    this.custodian = custodian;
    this.#sql = {
      chain: db.prepare<[string], { seq: number; head: string; anchored_seq: number; erased_at: string | null }>(
        'SELECT seq, head, anchored_seq, erased_at FROM access_chain WHERE chain = ?',
      ),
      newChain: db.prepare<[string, number, string]>('INSERT INTO access_chain (chain, seq, head) VALUES (?, ?, ?)'),
      advance: db.prepare<[number, string, string]>('UPDATE access_chain SET seq = ?, head = ? WHERE chain = ?'),
      insert: db.prepare<[string, number, string, string, string | null, Buffer]>(
        'INSERT INTO access_log (chain, seq, event_hash, head, btg_ref, sealed) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      rows: db.prepare<[string], { seq: number; event_hash: string; head: string; sealed: Uint8Array }>(
        'SELECT seq, event_hash, head, sealed FROM access_log WHERE chain = ? ORDER BY seq',
      ),
      headAt: db.prepare<[string, number], { head: string }>('SELECT head FROM access_log WHERE chain = ? AND seq = ?'),
      btgIn: db.prepare<[string, number, number], { seq: number; btg_ref: string }>(
        'SELECT seq, btg_ref FROM access_log WHERE chain = ? AND seq > ? AND seq <= ? AND btg_ref IS NOT NULL ORDER BY seq',
      ),
      btgAll: db.prepare<[], { chain: string; seq: number; btg_ref: string; sealed: Uint8Array }>(
        'SELECT chain, seq, btg_ref, sealed FROM access_log WHERE btg_ref IS NOT NULL ORDER BY chain, seq',
      ),
      btgOne: db.prepare<[string], { chain: string; seq: number; sealed: Uint8Array }>('SELECT chain, seq, sealed FROM access_log WHERE btg_ref = ?'),
      unanchored: db.prepare<[number], { chain: string; seq: number; head: string; anchored_seq: number }>(
        'SELECT chain, seq, head, anchored_seq FROM access_chain WHERE seq > anchored_seq ORDER BY chain LIMIT ?',
      ),
      unanchoredCount: db.prepare<[], { n: number | null }>('SELECT SUM(seq - anchored_seq) AS n FROM access_chain WHERE seq > anchored_seq'),
      anchored: db.prepare<[number, string, number]>('UPDATE access_chain SET anchored_seq = ? WHERE chain = ? AND anchored_seq < ?'),
      erased: db.prepare<[string, string]>('UPDATE access_chain SET erased_at = ? WHERE chain = ? AND erased_at IS NULL'),
      expired: db.prepare<[string], { chain: string }>('SELECT chain FROM access_chain WHERE erased_at IS NOT NULL AND erased_at < ?'),
      purgeMark: db.prepare<[string]>('UPDATE access_chain SET purging = 1 WHERE chain = ?'),
      purgeRows: db.prepare<[string]>('DELETE FROM access_log WHERE chain = ?'),
      purgeChain: db.prepare<[string]>('DELETE FROM access_chain WHERE chain = ?'),
    };
  }

  /** Creates the tables (idempotent) and loads the keys. */
  static open(db: Database.Database, kek: Kek, custodian: string): AccessLogStore {
    db.exec(DDL);
    return new AccessLogStore(db, AccessLogKeys.load(db, kek), custodian);
  }

  /** The patient's blinded chain id here (given to the patient with the disclosures). */
  chainIdOf(pseudonym: string): string {
    return this.#keys.chainId(pseudonym);
  }

  /** Seals an event for the audit journal (the line is base64url, no clear text). */
  sealJournalLine(event: object): string {
    // Not canonical (the request path stays cheap): append() validates and canonicalises.
    return this.#keys.seal(Buffer.from(JSON.stringify(event), 'utf8'), JOURNAL_AAD).toString('base64url');
  }

  /** Opens a journal line written by sealJournalLine. */
  openJournalLine(line: string): unknown {
    return JSON.parse(this.#keys.open(Buffer.from(line, 'base64url'), JOURNAL_AAD).toString('utf8')) as unknown;
  }

  /**
   * Appends events to their patients' chains in one SQLite transaction (or
   * the caller's). An event that does not match the access event schema is
   * INTERNAL: the audit path built it, so it is a bug, and nothing is written.
   */
  append(events: readonly unknown[]): Array<{ chain: string; seq: number }> {
    const parsed = events.map((e) => {
      const r = accessEventSchema.safeParse(e);
      if (!r.success) throw new CareLedgerError('INTERNAL', `an access event does not match the schema at ${issuePath(r.error)}`, { field: 'event' });
      return r.data;
    });
    return this.#db.transaction(() => parsed.map((e) => this.#appendOne(e)))();
  }

  #appendOne(event: AccessEvent): { chain: string; seq: number } {
    const chain = this.#keys.chainId(event.patient);
    const current = this.#sql.chain.get(chain);
    const seq = (current?.seq ?? 0) + 1;
    const chained: ChainedAccessEvent = { ...event, custodian: this.custodian, chain, seq };
    const eventHash = accessEventHash(chained);
    const head = nextChainHead(current?.head ?? GENESIS_HEAD, eventHash);
    const ref = event.breakGlass === undefined ? null : breakGlassRef(eventHash);
    this.#sql.insert.run(chain, seq, eventHash, head, ref, this.#keys.seal(canonicalBytes(chained), rowAad(chain, seq)));
    if (current === undefined) this.#sql.newChain.run(chain, seq, head);
    else this.#sql.advance.run(seq, head, chain);
    return { chain, seq };
  }

  /** A patient's events in seq order, decrypted. */
  events(pseudonym: string): StoredAccessEvent[] {
    const chain = this.#keys.chainId(pseudonym);
    return this.#sql.rows.all(chain).map((r) => this.#open(chain, r.seq, r.sealed));
  }

  /** A patient's chain links (seq, event hash, head) in seq order. */
  links(pseudonym: string): ChainLink[] {
    return this.#sql.rows.all(this.#keys.chainId(pseudonym)).map((r) => ({ seq: r.seq, eventHash: r.event_hash, head: r.head }));
  }

  #open(chain: string, seq: number, sealed: Uint8Array): StoredAccessEvent {
    const e = JSON.parse(this.#keys.open(sealed, rowAad(chain, seq)).toString('utf8')) as ChainedAccessEvent;
    if (e.chain !== chain || e.seq !== seq) throw new CareLedgerError('INTERNAL', 'an access log row is out of place', { field: 'accessLog' });
    return { eventId: accessEventId(e.custodian, chain, seq), ...e };
  }

  /** The stored head after `seq` of a chain (undefined if there is no such event). */
  headAt(chain: string, seq: number): string | undefined {
    return this.#sql.headAt.get(chain, seq)?.head;
  }

  /** Break-glass references among a chain's events (afterSeq, uptoSeq], in seq order. */
  breakGlassRefs(chain: string, afterSeq: number, uptoSeq: number): Array<{ seq: number; ref: string }> {
    return this.#sql.btgIn.all(chain, afterSeq, uptoSeq).map((r) => ({ seq: r.seq, ref: r.btg_ref }));
  }

  /** Every break-glass event held here with its on-ledger reference, decrypted (the privacy officer's queue). */
  breakGlassEvents(): Array<{ ref: string; event: StoredAccessEvent }> {
    return this.#sql.btgAll.all().map((r) => ({ ref: r.btg_ref, event: this.#open(r.chain, r.seq, r.sealed) }));
  }

  /** The break-glass event behind a reference, if it is held here. */
  breakGlassEvent(ref: string): StoredAccessEvent | undefined {
    const r = this.#sql.btgOne.get(ref);
    return r === undefined ? undefined : this.#open(r.chain, r.seq, r.sealed);
  }

  /** Chains with events the ledger may not have yet (by local bookkeeping), at most `limit`. */
  unanchored(limit: number): PendingAdvance[] {
    return this.#sql.unanchored.all(limit).map((r) => ({ chain: r.chain, seq: r.seq, head: r.head, anchoredSeq: r.anchored_seq }));
  }

  /** Events appended and not yet known to be anchored. */
  unanchoredCount(): number {
    return this.#sql.unanchoredCount.get()?.n ?? 0;
  }

  /** Records that the ledger has a chain up to seq. */
  markAnchored(chain: string, seq: number): void {
    this.#sql.anchored.run(seq, chain, seq);
  }

  /** Starts the retention clock of an erased patient's log (GDPR 17(3)(b): kept for the accounting duty, then purged). */
  markErased(pseudonym: string, erasedAt: string): void {
    this.#sql.erased.run(erasedAt, this.#keys.chainId(pseudonym));
  }

  /** Deletes the logs of patients erased before now minus the retention; returns how many chains. */
  purgeExpired(now: string, retentionMs = ACCESS_LOG_RETENTION_MS): number {
    const cutoff = new Date(Date.parse(now) - retentionMs).toISOString();
    const chains = this.#sql.expired.all(cutoff).map((r) => r.chain);
    this.#db.transaction(() => {
      for (const chain of chains) {
        this.#sql.purgeMark.run(chain);
        this.#sql.purgeRows.run(chain);
        this.#sql.purgeChain.run(chain);
      }
    })();
    return chains.length;
  }
}
