// Wires the patient-records side of a node: the encrypted vault (its own
// SQLite file, WAL + secure_delete) under the key-encryption key from the
// node's unsealed keyring (docs/keys.md), the secure FHIR repository over the
// ledger, and the SMART auth store.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { AuthStore, type AuthDeps } from '../../auth/index.js';
import { ConsentBook } from '../../contracts/consent/index.js';
import { tlsPinsForOrigin } from '../../contracts/governance/index.js';
import {
  httpTransport,
  importHpkePrivateKey,
  ReplayGuard,
  type CustodianDeps,
  type RequesterDeps,
} from '../../exchange/index.js';
import { DisclosureReader, SecureFhirRepository, type AccessEvent } from '../../fhir/secure/index.js';
import { ensureFhirDefinitions } from '../../fhir/router/index.js';
import { preparePrivateDatabaseFile } from '../../storage/index.js';
import type { EpcisOffLedger } from '../../supplychain/index.js';
import { Vault } from '../../vault/index.js';
import type { OpenedNode } from './bootstrap.js';
import { ledgerPortOf } from './ledger-port.js';
import { readNetworkConfig } from './network-config.js';
import { trustAnchorsOf } from './tls.js';
import { openEpcisStore } from './supply-events.js';

export interface RecordsService {
  repository: SecureFhirRepository;
  auth: AuthDeps;
  /** Node-to-node exchange: this node as custodian and as requester. */
  exchange: { custodian: CustodianDeps; requester: RequesterDeps };
  /** The vault, for services that keep their own records in it (trials: CRF data). */
  vault: Vault;
  /** The supply chain's off-ledger EPCIS data: its encrypted store (supplychain.sqlite) and the HPKE key that opens bundles. */
  supply: EpcisOffLedger;
  close(): Promise<void>;
}

/**
 * Opens the records database (vault and FHIR tables) with the node's
 * settings: WAL, full fsync, secure_delete (crypto-shredding), and a 64 MiB
 * page cache so the read path's index and row lookups stay in memory.
 */
export function openRecordsDatabase(file: string): Database.Database {
  preparePrivateDatabaseFile(file); // 0600 file, WAL and SHM; 0700 directory
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  return db;
}


export async function openRecords(dataDir: string, opened: OpenedNode, baseUrl: string): Promise<RecordsService> {
  ensureFhirDefinitions();
  const kek = opened.keys.kek;
  const vaultDb = openRecordsDatabase(join(dataDir, 'vault.sqlite'));
  const authDb = openRecordsDatabase(join(dataDir, 'auth.sqlite'));
  const supplyDb = openRecordsDatabase(join(dataDir, 'supplychain.sqlite'));
  try {
    const vault = new Vault(vaultDb, kek);
    // One ledger port for the repository, the exchange and auth.
    const port = ledgerPortOf(opened.node, opened.config.orgId);
    const consents = new ConsentBook({
      networkId: opened.node.networkId,
      hpkePrivateKey: opened.keys.hpkePrivateKey,
      // Never the content: the id says which grant to revoke or re-grant.
      onUnreadable: (consentId, code) => process.stderr.write(`consent ${consentId} cannot be used (${code}); decisions for its patient deny\n`),
    });
    const repository = await SecureFhirRepository.open({
      db: vaultDb,
      vault,
      kek,
      ledger: port,
      consents,
    });
    const exchange = {
      custodian: {
        ledger: port,
        source: new DisclosureReader({ db: vaultDb, vault, kek }),
        replay: new ReplayGuard(),
        consents,
        audit: { recordNow: (events: ReadonlyArray<{ [k: string]: unknown }>) => repository.recordAccessNow(events as unknown as AccessEvent[]) },
      },
      requester: {
        ledger: port,
        hpkeKey: await importHpkePrivateKey(opened.keys.hpkePrivateKey),
        // The consortium's CA bundle (network.json tlsCa) when there is one: custodians over verified HTTPS only;
        // a custodian that registered TLS pins in governance must present one of those keys.
        transport: httpTransport({
          trustAnchors: trustAnchorsOf(dataDir, readNetworkConfig(dataDir)),
          pinsFor: (origin) => tlsPinsForOrigin(port.state, origin),
        }),
      },
    };
    const auth: AuthDeps = {
      state: port.state,
      nodeKey: opened.node.nodeKey,
      store: new AuthStore(authDb),
      baseUrl,
    };
    return {
      repository,
      auth,
      exchange,
      vault,
      supply: { store: openEpcisStore(supplyDb, kek), hpkePrivateKey: opened.keys.hpkePrivateKey },
      close: async () => {
        await repository.close();
        vaultDb.close();
        authDb.close();
        supplyDb.close();
      },
    };
  } catch (error) {
    vaultDb.close();
    authDb.close();
    supplyDb.close();
    throw error;
  }
}
