// SQLite ledger store (better-sqlite3 12.x) in WAL mode with synchronous=FULL:
// a block, its transactions and results, its state writes and its log nodes
// commit in ONE transaction, so a node killed at any instant restarts at the
// last committed block. The embedded orderer's batch log lives in the same
// file; committed batches are pruned in the block's transaction. The file,
// its WAL and SHM are owner-only (0600) in an owner-only directory (0700).
import Database from 'better-sqlite3';
import type {
  BatchLogStore,
  BatchRow,
  BlockCommit,
  BlockRow,
  LedgerStore,
  StoredStateRow,
  TxRow,
} from './types.js';
import { preparePrivateDatabaseFile } from './private-file.js';
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY, hash TEXT NOT NULL, header TEXT NOT NULL, orderer_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
  leaf_index INTEGER PRIMARY KEY, tx_id TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL,
  envelope BLOB NOT NULL, code TEXT NOT NULL, events TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS txs_by_id ON txs(tx_id);
CREATE INDEX IF NOT EXISTS txs_by_height ON txs(height, idx);
CREATE TABLE IF NOT EXISTS state (
  ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, height INTEGER NOT NULL,
  PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_nodes (
  level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS orderer_batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, payload BLOB NOT NULL);
`;

/** Result codes whose rows do not claim their txId; mirrors claimsTxId in src/ledger/ordered.ts. */
const UNCLAIMED = "'MALFORMED', 'TOO_LARGE', 'BAD_SIGNATURE'";

interface RawBlock { height: number; hash: string; header: string; orderer_seq: number }
interface RawTx { leaf_index: number; tx_id: string; height: number; idx: number; envelope: Buffer; code: string; events: string }
interface RawState { ns: string; key: string; value: string; height: number }

function toBlock(r: RawBlock): BlockRow {
  return { height: r.height, hash: r.hash, header: r.header, ordererSeq: r.orderer_seq };
}

function toTx(r: RawTx): TxRow {
  return {
    leafIndex: r.leaf_index,
    txId: r.tx_id,
    height: r.height,
    index: r.idx,
    envelope: new Uint8Array(r.envelope.buffer, r.envelope.byteOffset, r.envelope.byteLength),
    code: r.code,
    events: r.events,
  };
}

function toState(r: RawState): StoredStateRow {
  return { namespace: r.ns, key: r.key, value: r.value, height: r.height };
}

/** Opens (creating if needed, mode 0600) a ledger database with the durability settings. */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Database.Database {
  if (!options.readonly) preparePrivateDatabaseFile(path);
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('busy_timeout = 5000');
  // A larger page cache keeps the hot b-tree pages (state, log nodes, txId index) in memory.
  db.pragma('cache_size = -65536');
  return db;
}

export class SqliteLedgerStore implements LedgerStore, BatchLogStore {
  readonly db: Database.Database;
  private readonly stmts;
  private readonly commitTx: (c: BlockCommit) => void;

  /** Whether block commits skip their fsync (file-backed WAL databases; see commitBlock). */
  private readonly relaxedBlocks: boolean;
  private checkpointer: WalCheckpointer | undefined;

  constructor(db: Database.Database) {
    this.db = db;
    this.relaxedBlocks = !db.readonly && !db.memory && String(db.pragma('journal_mode', { simple: true })) === 'wal';
    if (!db.readonly) db.exec(SCHEMA);
    const p = <T extends unknown[] = unknown[]>(sql: string) => db.prepare<T>(sql);
    this.stmts = {
      head: p('SELECT * FROM blocks ORDER BY height DESC LIMIT 1'),
      block: p<[number]>('SELECT * FROM blocks WHERE height = ?'),
      blocks: p<[number, number]>('SELECT * FROM blocks WHERE height >= ? ORDER BY height LIMIT ?'),
      blockTxs: p<[number]>('SELECT * FROM txs WHERE height = ? ORDER BY idx'),
      // Rows that failed the stateless checks do not claim their txId (ledger claimsTxId).
      tx: p<[string]>(`SELECT * FROM txs WHERE tx_id = ? ORDER BY code IN (${UNCLAIMED}), leaf_index LIMIT 1`),
      hasTx: p<[string]>(`SELECT 1 FROM txs WHERE tx_id = ? AND code NOT IN (${UNCLAIMED}) LIMIT 1`),
      txAt: p<[number]>('SELECT * FROM txs WHERE leaf_index = ?'),
      txCount: p('SELECT COUNT(*) AS n FROM txs'),
      state: p<[string, string]>('SELECT value FROM state WHERE ns = ? AND key = ?'),
      scan: p<[string, string, string, string, number]>(
        "SELECT * FROM state WHERE ns = ? AND key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?",
      ),
      allState: p('SELECT * FROM state ORDER BY ns, key'),
      node: p<[number, number]>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?'),
      getMeta: p<[string]>('SELECT v FROM meta WHERE k = ?'),
      setMeta: p<[string, string]>('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v'),
      insBlock: p<[number, string, string, number]>('INSERT INTO blocks (height, hash, header, orderer_seq) VALUES (?, ?, ?, ?)'),
      insTx: p<[number, string, number, number, Uint8Array, string, string]>(
        'INSERT INTO txs (leaf_index, tx_id, height, idx, envelope, code, events) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      putState: p<[string, string, string, number]>(
        'INSERT INTO state (ns, key, value, height) VALUES (?, ?, ?, ?) ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, height = excluded.height',
      ),
      delState: p<[string, string]>('DELETE FROM state WHERE ns = ? AND key = ?'),
      insNode: p<[number, number, Uint8Array]>('INSERT OR REPLACE INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      insBatch: p<[string, Uint8Array]>('INSERT INTO orderer_batches (time, payload) VALUES (?, ?)'),
      batchesAfter: p<[number, number]>('SELECT * FROM orderer_batches WHERE seq > ? ORDER BY seq LIMIT ?'),
      lastBatch: p("SELECT seq AS s FROM sqlite_sequence WHERE name = 'orderer_batches'"),
      prune: p<[number]>('DELETE FROM orderer_batches WHERE seq <= ?'),
      pages: p('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()'),
    };
    this.commitTx = db.transaction((c: BlockCommit) => {
      const s = this.stmts;
      s.insBlock.run(c.block.height, c.block.hash, c.block.header, c.block.ordererSeq);
      for (const t of c.txs) s.insTx.run(t.leafIndex, t.txId, t.height, t.index, t.envelope, t.code, t.events);
      for (const w of c.state) {
        if (w.value === null) s.delState.run(w.namespace, w.key);
        else s.putState.run(w.namespace, w.key, w.value, c.block.height);
      }
      for (const n of c.logNodes) s.insNode.run(n.level, n.index, n.hash);
      s.prune.run(c.block.ordererSeq);
    });
  }

  head(): BlockRow | undefined {
    const r = this.stmts.head.get() as RawBlock | undefined;
    return r && toBlock(r);
  }

  /**
   * Commits a block without its own fsync (synchronous = NORMAL for this one
   * transaction): a block is a deterministic function of the ordered batches
   * before it, which are durable on their own (the solo orderer's batch log
   * commits with a full fsync, which also flushes every block written before
   * it; on a network, the etcd cluster holds the batches, and below its
   * pruning point a node catches up from a peer). After a power loss a node
   * may lose its last blocks but never their batches, and re-executing those
   * yields the same bytes (block time is the batch's); a process crash
   * loses nothing, as the WAL frames are already written. In-memory and
   * read-only databases are left alone.
   */
  commitBlock(commit: BlockCommit): void {
    if (!this.relaxedBlocks) {
      this.commitTx(commit);
      return;
    }
    this.db.pragma('synchronous = NORMAL');
    try {
      this.commitTx(commit);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  getBlock(height: number): BlockRow | undefined {
    const r = this.stmts.block.get(height) as RawBlock | undefined;
    return r && toBlock(r);
  }

  listBlocks(from: number, limit: number): BlockRow[] {
    return (this.stmts.blocks.all(from, limit) as RawBlock[]).map(toBlock);
  }

  blockTxs(height: number): TxRow[] {
    return (this.stmts.blockTxs.all(height) as RawTx[]).map(toTx);
  }

  getTx(txId: string): TxRow | undefined {
    const r = this.stmts.tx.get(txId) as RawTx | undefined;
    return r && toTx(r);
  }

  hasTx(txId: string): boolean {
    return this.stmts.hasTx.get(txId) !== undefined;
  }

  getTxAt(leafIndex: number): TxRow | undefined {
    const r = this.stmts.txAt.get(leafIndex) as RawTx | undefined;
    return r && toTx(r);
  }

  txCount(): number {
    return (this.stmts.txCount.get() as { n: number }).n;
  }

  getState(namespace: string, key: string): string | undefined {
    return (this.stmts.state.get(namespace, key) as { value: string } | undefined)?.value;
  }

  scanState(namespace: string, prefix: string, limit: number, afterKey = ''): StoredStateRow[] {
    // Keys are compared as text (BINARY collation): prefix || U+10FFFF bounds the range.
    const rows = this.stmts.scan.all(namespace, prefix, prefix + '\u{10FFFF}', afterKey, limit) as RawState[];
    return rows.map(toState);
  }

  *allState(): Iterable<StoredStateRow> {
    for (const r of this.stmts.allState.iterate() as IterableIterator<RawState>) yield toState(r);
  }

  getLogNode(level: number, index: number): Uint8Array | undefined {
    const r = this.stmts.node.get(level, index) as { hash: Buffer } | undefined;
    return r && new Uint8Array(r.hash.buffer, r.hash.byteOffset, r.hash.byteLength);
  }

  getMeta(key: string): string | undefined {
    return (this.stmts.getMeta.get(key) as { v: string } | undefined)?.v;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  sizeBytes(): number {
    return (this.stmts.pages.get() as { n: number }).n;
  }

  appendBatch(time: string, payload: Uint8Array): number {
    return Number(this.stmts.insBatch.run(time, payload).lastInsertRowid);
  }

  batchesAfter(seq: number, limit: number): BatchRow[] {
    const rows = this.stmts.batchesAfter.all(seq, limit) as Array<{ seq: number; time: string; payload: Buffer }>;
    return rows.map((r) => ({ seq: r.seq, time: r.time, payload: new Uint8Array(r.payload) }));
  }

  lastBatchSeq(): number {
    return (this.stmts.lastBatch.get() as { s: number } | undefined)?.s ?? 0;
  }

  pruneBatches(throughSeq: number): void {
    this.stmts.prune.run(throughSeq);
  }

  /**
   * A node's store: WAL checkpoints run on a background thread instead of
   * inside block commits (WalCheckpointer). File-backed WAL databases only;
   * tools that open a store leave checkpoints inline.
   */
  checkpointInBackground(intervalMs?: number): void {
    if (!this.relaxedBlocks || this.checkpointer !== undefined || !this.db.open) return;
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.checkpointer = new WalCheckpointer(this.db.name, intervalMs);
  }

  /** Stops background checkpoints (resolves once the worker has closed its connection). */
  async stopBackgroundCheckpoints(): Promise<void> {
    const c = this.checkpointer;
    this.checkpointer = undefined;
    if (c !== undefined) await c.stop();
  }

  /** Closes the database; call stopBackgroundCheckpoints first to leave no other connection open. */
  close(): void {
    void this.stopBackgroundCheckpoints();
    if (this.db.open) this.db.close();
  }
}
