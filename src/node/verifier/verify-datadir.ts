// The named entry of the offline verifier: verifies the ledger of a data
// directory at one read snapshot (verify-ledger.ts does the work). The CLI's
// `careledger verify` and a consortium node that synced from scratch both
// call it, so nothing outside src/node opens the store.
import { existsSync } from 'node:fs';
import { CareLedgerError } from '../../errors/index.js';
import { SqliteLedgerStore, openDatabase } from '../../storage/index.js';
import { VerifyPool } from '../pipeline/verify-pool.js';
import { defaultRegistry } from '../wiring/contracts.js';
import { paths, readNodeConfig } from '../wiring/datadir.js';
import { measureVerifyAllCores } from './baseline.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
import { MemoryState } from './memory-state.js';
import { verifyLedger, type VerifyProgress, type VerifyStart } from './verify-ledger.js';

export interface VerifyDataDirOptions {
  /** The network the ledger belongs to; default the data directory's node.json. */
  networkId?: string;
  onProgress?: (p: VerifyProgress) => void;
  /** Resume after the checkpoint in this file (saved by an earlier run). */
  fromCheckpoint?: string;
  /** Save a checkpoint of the verified head and state to this file. */
  saveCheckpoint?: string;
  /** Also measure node:crypto Ed25519 verifications per second on every core for this long (ms), for the ratio. */
  baselineMs?: number;
}

export type VerifyReport =
  | { ok: true; blocks: number; txs: number; fromHeight: number; seconds: number; txPerSec: number; verifyPerSecAllCores?: number; ratio?: number }
  | { ok: false; height: number; reason: string };

/**
 * Re-verifies the ledger in `dataDir` read-only, at one snapshot (a running
 * node may keep committing meanwhile). NOT_FOUND if there is no ledger;
 * MALFORMED if the checkpoint to resume from is not one or belongs to
 * another network; a ledger that does not verify is a result, not an error.
 */
export async function verifyDataDir(dataDir: string, options: VerifyDataDirOptions = {}): Promise<VerifyReport> {
  const file = paths(dataDir).ledger;
  if (!existsSync(file)) throw new CareLedgerError('NOT_FOUND', `no ledger at ${file}`);
  const networkId = options.networkId ?? readNodeConfig(dataDir).networkId;
  let from: VerifyStart | undefined;
  if (options.fromCheckpoint !== undefined) {
    const state = new MemoryState();
    const header = await loadCheckpoint(options.fromCheckpoint, state);
    if (header.networkId !== networkId) throw new CareLedgerError('MALFORMED', `checkpoint is of network ${header.networkId}`);
    from = { head: header.head, logRoot: header.logRoot, txs: header.txs, state };
  }
  const baseline = options.baselineMs ? await measureVerifyAllCores(options.baselineMs) : undefined;
  const db = openDatabase(file, { readonly: true });
  db.exec('BEGIN');
  const snapshot = new SqliteLedgerStore(db);
  const pool = new VerifyPool();
  try {
    const started = performance.now();
    const result = await verifyLedger(snapshot, networkId, defaultRegistry(), pool, { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(from ? { from } : {}) });
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) return result;
    if (options.saveCheckpoint !== undefined) {
      const time = result.head.time;
      if (time === undefined) throw new CareLedgerError('INTERNAL', 'verified head has no time');
      saveCheckpoint(options.saveCheckpoint, { networkId, head: { ...result.head, time }, logRoot: result.logRoot, txs: (from?.txs ?? 0) + result.txs }, result.state);
    }
    const txPerSec = result.txs / seconds;
    return {
      ok: true,
      blocks: result.blocks,
      txs: result.txs,
      fromHeight: result.fromHeight,
      seconds,
      txPerSec,
      ...(baseline === undefined ? {} : { verifyPerSecAllCores: baseline, ratio: txPerSec / baseline }),
    };
  } finally {
    await pool.close();
    db.exec('COMMIT');
    snapshot.close();
  }
}
