// Wires the patient-records side of a node: the encrypted vault (its own
// SQLite file, WAL + secure_delete), the key-encryption key (CARELEDGER_KEK or
// D/keys/kek, created on first use with mode 0600), the secure FHIR
// repository over the ledger, and the SMART auth store.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuthStore, type AuthDeps } from '../auth/index.js';
import {
  exchangeLedgerOf,
  httpTransport,
  importHpkePrivateKey,
  ReplayGuard,
  type CustodianDeps,
  type RequesterDeps,
} from '../exchange/index.js';
import { DisclosureReader, SecureFhirRepository, ledgerPortOf, type AccessEvent } from '../fhir/secure/index.js';
import { ensureFhirDefinitions } from '../fhir/router/index.js';
import { Vault, loadKek, createKekFile, KEK_ENV_VAR, type Kek } from '../vault/index.js';
import type { OpenedNode } from './bootstrap.js';
import { loadHpkeKey, paths } from './datadir.js';

export interface RecordsService {
  repository: SecureFhirRepository;
  auth: AuthDeps;
  /** Node-to-node exchange: this node as custodian and as requester. */
  exchange: { custodian: CustodianDeps; requester: RequesterDeps };
  close(): Promise<void>;
}

/**
 * Opens the records database (vault and FHIR tables) with the node's
 * settings: WAL, full fsync, secure_delete (crypto-shredding), and a 64 MiB
 * page cache so the read path's index and row lookups stay in memory.
 */
export function openRecordsDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  return db;
}

export function kekFile(dataDir: string): string {
  return join(paths(dataDir).keys, 'kek');
}

/** The node's KEK: the environment wins; else the key file, created on first use. */
export function openKek(dataDir: string): Kek {
  const env = process.env[KEK_ENV_VAR];
  const file = kekFile(dataDir);
  if ((env === undefined || env.trim() === '') && !existsSync(file)) return createKekFile(file);
  return loadKek({ ...(env === undefined ? {} : { env }), file });
}

export async function openRecords(dataDir: string, opened: OpenedNode, baseUrl: string): Promise<RecordsService> {
  ensureFhirDefinitions();
  const kek = openKek(dataDir);
  const vaultDb = openRecordsDatabase(join(dataDir, 'vault.sqlite'));
  const authDb = openRecordsDatabase(join(dataDir, 'auth.sqlite'));
  try {
    const vault = new Vault(vaultDb, kek);
    const repository = await SecureFhirRepository.open({
      db: vaultDb,
      vault,
      kek,
      ledger: ledgerPortOf(opened.node, opened.config.orgId),
    });
    const exchangeLedger = exchangeLedgerOf(opened.node, opened.config.orgId);
    const exchange = {
      custodian: {
        ledger: exchangeLedger,
        source: new DisclosureReader({ db: vaultDb, vault, kek }),
        replay: new ReplayGuard(),
        audit: { recordNow: (events: ReadonlyArray<{ [k: string]: unknown }>) => repository.recordAccessNow(events as unknown as AccessEvent[]) },
      },
      requester: {
        ledger: exchangeLedger,
        hpkeKey: await importHpkePrivateKey(loadHpkeKey(paths(dataDir).hpkeKey).privateKey),
        transport: httpTransport(),
      },
    };
    const auth: AuthDeps = {
      state: opened.node.state,
      nodeKey: opened.node.nodeKey,
      store: new AuthStore(authDb),
      baseUrl,
    };
    return {
      repository,
      auth,
      exchange,
      close: async () => {
        await repository.close();
        vaultDb.close();
        authDb.close();
      },
    };
  } catch (error) {
    vaultDb.close();
    authDb.close();
    throw error;
  }
}
