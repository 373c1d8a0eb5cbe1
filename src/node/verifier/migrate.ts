// `careledger migrate-ledger`: re-derives a stopped node's ledger with the
// contracts of this release when their state layout changed (docs/state-layout.md).
// Every stored envelope is re-executed in its block, at its block time, in
// order, and written to a new ledger file; a transaction whose result would
// differ stops the migration (the change would alter an outcome, not only
// the layout). The transparency log's leaves are the envelopes, so every log
// root, inclusion proof and signed tree head stays valid; block hashes and
// state hashes change. The old file is kept beside the new one as
// ledger.sqlite.pre-migration.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { CareLedgerError } from '../../errors/index.js';
import { EMPTY_HEAD, buildBlock, headAfter, type BlockHeader, type ChainHead } from '../../ledger/index.js';
import { SqliteLedgerStore, openDatabase } from '../../storage/index.js';
import { StateCache } from '../pipeline/state-cache.js';
import { VerifyPool } from '../pipeline/verify-pool.js';
import { defaultRegistry } from '../wiring/contracts.js';
import { paths, readNodeConfig } from '../wiring/datadir.js';
import { FrontierTree } from './frontier.js';

export interface MigrateReport {
  blocks: number;
  txs: number;
  /** Whether any block changed (false: the ledger already had this release's layout, nothing was replaced). */
  changed: boolean;
  backup: string | undefined;
}

function removeDbFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

export async function migrateLedger(dataDir: string): Promise<MigrateReport> {
  const file = paths(dataDir).ledger;
  if (!existsSync(file)) throw new CareLedgerError('NOT_FOUND', `no ledger at ${file}`);
  const networkId = readNodeConfig(dataDir).networkId;
  const target = `${file}.migrating`;
  removeDbFiles(target);
  // Fold the WAL into the file first, so renaming the file moves every committed block.
  const oldDb = openDatabase(file);
  oldDb.pragma('wal_checkpoint(TRUNCATE)');
  const old = new SqliteLedgerStore(oldDb);
  const neu = new SqliteLedgerStore(openDatabase(target));
  const pool = new VerifyPool();
  const registry = defaultRegistry();
  const state = new StateCache(neu);
  const tree = new FrontierTree();
  let head: ChainHead = EMPTY_HEAD;
  let txCount = 0;
  let changed = false;
  try {
    const last = old.head();
    if (last === undefined) throw new CareLedgerError('NOT_FOUND', 'ledger has no blocks');
    for (let height = 0; height <= last.height; height++) {
      const row = old.getBlock(height);
      if (row === undefined) throw new CareLedgerError('CONFLICT', `block ${height} is missing`);
      const header = JSON.parse(row.header) as BlockHeader;
      const txs = old.blockTxs(height);
      const checks = await pool.check(txs.map((t) => t.envelope));
      const built = buildBlock(head, networkId, header.time, txs.map((t, i) => ({ bytes: t.envelope, check: checks[i]! })), state, tree, registry);
      built.outcome.txs.forEach((t, i) => {
        if (t.code !== txs[i]!.code) throw new CareLedgerError('CONFLICT', `transaction ${i} at height ${height} would end ${t.code}, not ${txs[i]!.code}: not a layout change`);
      });
      if (built.header.logRoot !== header.logRoot) throw new CareLedgerError('CONFLICT', `log root at height ${height} differs: the stored log is not this ledger's`);
      if (built.hash !== row.hash) changed = true;
      neu.commitBlock({
        block: { height, hash: built.hash, header: JSON.stringify(built.header), ordererSeq: row.ordererSeq },
        txs: built.outcome.txs.map((t, index) => ({ leafIndex: built.firstLeaf + index, txId: t.txId, height, index, envelope: t.bytes, code: t.code, events: JSON.stringify(t.events) })),
        state: built.outcome.writes.map((w) => ({ namespace: w.namespace, key: w.key, value: w.text })),
        logNodes: built.logNodes,
      });
      state.applyCommitted(built.outcome.writes);
      for (const n of built.logNodes) tree.put(n.level, n.index, n.hash);
      head = headAfter(built);
      txCount += txs.length;
    }
    // Batches the orderer logged but no block holds yet, and the meta rows, move as they are.
    for (const b of old.batchesAfter(last.ordererSeq, Number.MAX_SAFE_INTEGER)) {
      neu.db.prepare('INSERT INTO orderer_batches (seq, time, payload) VALUES (?, ?, ?)').run(b.seq, b.time, b.payload);
    }
    for (const m of oldDb.prepare('SELECT k, v FROM meta').all() as Array<{ k: string; v: string }>) neu.setMeta(m.k, m.v);
  } catch (e) {
    await pool.close();
    old.close();
    neu.close();
    removeDbFiles(target);
    throw e;
  }
  await pool.close();
  old.close();
  neu.db.pragma('wal_checkpoint(TRUNCATE)');
  neu.close();
  if (!changed) {
    removeDbFiles(target);
    return { blocks: head.height + 1, txs: txCount, changed, backup: undefined };
  }
  const backup = `${file}.pre-migration`;
  removeDbFiles(backup);
  renameSync(file, backup);
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  renameSync(target, file);
  return { blocks: head.height + 1, txs: txCount, changed, backup };
}
