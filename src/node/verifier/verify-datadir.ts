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
import { verifyLedger, type VerifyProgress, type VerifyResult } from './verify-ledger.js';

export interface VerifyDataDirOptions {
  /** The network the ledger belongs to; default the data directory's node.json. */
  networkId?: string;
  onProgress?: (p: VerifyProgress) => void;
}

/**
 * Re-verifies the whole ledger in `dataDir` read-only, at one snapshot (a
 * running node may keep committing meanwhile). NOT_FOUND if there is no
 * ledger; a ledger that does not verify is a result, not an error.
 */
export async function verifyDataDir(dataDir: string, options: VerifyDataDirOptions = {}): Promise<VerifyResult> {
  const file = paths(dataDir).ledger;
  if (!existsSync(file)) throw new CareLedgerError('NOT_FOUND', `no ledger at ${file}`);
  const networkId = options.networkId ?? readNodeConfig(dataDir).networkId;
  const db = openDatabase(file, { readonly: true });
  db.exec('BEGIN');
  const snapshot = new SqliteLedgerStore(db);
  const pool = new VerifyPool();
  try {
    return await verifyLedger(snapshot, networkId, defaultRegistry(), pool, options.onProgress);
  } finally {
    await pool.close();
    db.exec('COMMIT');
    snapshot.close();
  }
}
