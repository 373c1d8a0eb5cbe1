// Creating and opening a node's data directory on the embedded default
// (solo orderer, SQLite). `initDevNetwork` creates a one-organisation network:
// the sealed keyring, node.json and a committed genesis block, and writes the
// org admin key outside the data directory. It works in a sibling temporary
// directory and renames it into place at the end, so a failed init leaves
// nothing half-written. `openNode` unlocks the keyring (docs/keys.md).
import { existsSync, mkdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { generateSigningKey, type SigningKey } from '../../crypto/index.js';
import { parseEnvelope, signTx } from '../../ledger/index.js';
import { GOVERNANCE_CONTRACT } from '../../contracts/governance/index.js';
import { CareLedgerError } from '../../errors/index.js';
import { SoloOrderer, type Orderer } from '../../ordering/index.js';
import { SqliteLedgerStore, openDatabase } from '../../storage/index.js';
import { defaultRegistry } from './contracts.js';
import { assertEmptyDataDir, paths, readNodeConfig, writeNodeConfig, type NodeConfig } from './datadir.js';
import { createNodeKeyring, unlockKeyring, writeAdminKey, type KeyProviderChoice, type NodeKeys, type UnlockSecrets } from './keystore.js';
import { LedgerNode } from '../pipeline/ledger-node.js';
import type { SubmitLimits } from '../pipeline/submit-gate.js';
import { toBase64Url } from '../../crypto/index.js';

export interface InitOptions {
  networkId?: string;
  orgId?: string;
  orgName?: string;
  endpoint?: string;
  /** How the keyring is sealed; default the development key file in `<D>-keys/`. */
  keyProvider?: KeyProviderChoice;
  /** Where to write the org admin key (outside the data directory); default `<D>-keys/admin.pem`. */
  adminKeyOut?: string;
}

export interface InitResult {
  dataDir: string;
  config: NodeConfig;
  /** The org admin key, outside the data directory. */
  adminKeyFile: string;
  /** The sealed keyring in the data directory. */
  keyringFile: string;
  keyProvider: KeyProviderChoice['kind'];
  /** The development provider's key file (outside the data directory), when keyProvider is 'file'. */
  keyFile?: string;
  adminKeyId: string;
  nodeKeyId: string;
}

export interface OpenedNode {
  config: NodeConfig;
  node: LedgerNode;
  store: SqliteLedgerStore;
  /** The unsealed keyring: node key, HPKE key, vault KEK. */
  keys: NodeKeys;
}

export interface OpenOptions {
  /** Keys already unlocked (else the keyring is unlocked with `unlock`). */
  keys?: NodeKeys;
  /** The provider's secret for unlocking the keyring. */
  unlock?: UnlockSecrets;
  orderer?: (store: SqliteLedgerStore) => Orderer;
  verifyWorkers?: number;
  onFatal?: (error: unknown) => void;
  /** Submission quotas at the edge (default DEFAULT_SUBMIT_LIMITS). */
  limits?: Partial<SubmitLimits>;
  /**
   * Largest size of the ledger database in bytes (SQLite max_page_count): past it, commits fail
   * with SQLITE_FULL as on a full disk, and the node waits, not ready, until restarted with room.
   */
  storageLimitBytes?: number;
}

/** Opens an initialised data directory and starts block delivery. */
export function openNode(dataDir: string, options: OpenOptions = {}): OpenedNode {
  const config = readNodeConfig(dataDir);
  const p = paths(dataDir);
  const keys = options.keys ?? unlockKeyring(dataDir, options.unlock);
  const nodeKey = keys.nodeKey;
  const store = new SqliteLedgerStore(openDatabase(p.ledger));
  if (options.storageLimitBytes !== undefined) {
    const pageSize = Number(store.db.pragma('page_size', { simple: true }));
    store.db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.storageLimitBytes / pageSize))}`);
  }
  store.checkpointInBackground();
  const orderer = options.orderer ? options.orderer(store) : new SoloOrderer(store);
  const node = new LedgerNode({
    networkId: config.networkId,
    orgId: config.orgId,
    nodeKey,
    store,
    orderer,
    registry: defaultRegistry(),
    ...(options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers }),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  node.start();
  return { config, node, store, keys };
}

/** Closes a node and its store. */
export async function closeNode(opened: OpenedNode): Promise<void> {
  await opened.node.close();
  await opened.store.stopBackgroundCheckpoints();
  opened.store.close();
}

/** Creates a one-organisation development network in `dataDir`. */
export async function initDevNetwork(dataDir: string, options: InitOptions = {}): Promise<InitResult> {
  const target = resolve(dataDir);
  assertEmptyDataDir(target);
  const staging = join(dirname(target), `.${basename(target)}.init-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'keys'), { recursive: true, mode: 0o700 });
  let adminKeyFile: string | undefined;
  try {
    const config: NodeConfig = {
      networkId: options.networkId ?? 'careledger-dev',
      orgId: options.orgId ?? 'org1',
      endpoint: options.endpoint ?? 'http://127.0.0.1:8080',
      createdAt: new Date().toISOString(),
    };
    const keys = createNodeKeyring(staging, options.keyProvider ?? { kind: 'file' }, target);
    const admin = generateSigningKey();
    await commitGenesis(staging, config, admin, keys.nodeKey, toBase64Url(keys.hpkePublicKey), options.orgName ?? config.orgId);
    adminKeyFile = writeAdminKey(target, admin, options.adminKeyOut);
    writeNodeConfig(staging, config);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
    return {
      dataDir: target,
      config,
      adminKeyFile,
      keyringFile: paths(target).keyring,
      keyProvider: keys.provider,
      ...(keys.keyFile === undefined ? {} : { keyFile: keys.keyFile }),
      adminKeyId: admin.keyId,
      nodeKeyId: keys.nodeKey.keyId,
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (adminKeyFile !== undefined) rmSync(adminKeyFile, { force: true });
    throw error;
  }
}

async function commitGenesis(
  dir: string,
  config: NodeConfig,
  admin: SigningKey,
  nodeKey: SigningKey,
  hpkePublicKey: string,
  orgName: string,
): Promise<void> {
  const store = new SqliteLedgerStore(openDatabase(paths(dir).ledger));
  const node = new LedgerNode({
    networkId: config.networkId,
    orgId: config.orgId,
    nodeKey,
    store,
    orderer: new SoloOrderer(store),
    registry: defaultRegistry(),
    verifyWorkers: 0,
  });
  node.start();
  try {
    const genesis = parseEnvelope(
      signTx(
        {
          network: config.networkId,
          contract: GOVERNANCE_CONTRACT,
          action: 'genesis',
          args: {
            networkId: config.networkId,
            orgs: [
              {
                orgId: config.orgId,
                name: orgName,
                adminKeys: [admin.keyId],
                nodeKeys: [nodeKey.keyId],
                hpkePublicKey,
                endpoint: config.endpoint,
              },
            ],
          },
        },
        admin,
      ),
    );
    const [result] = (await node.submit([genesis], { wait: true, timeoutMs: 10_000 })) ?? [];
    if (result?.code !== 'OK') {
      throw new CareLedgerError('INTERNAL', `genesis was not committed: ${result?.code ?? 'no result'}`);
    }
  } finally {
    await node.close();
    store.close();
  }
}

