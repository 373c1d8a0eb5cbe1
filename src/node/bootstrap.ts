// Creating and opening a node's data directory on the embedded default
// (solo orderer, SQLite). `initDevNetwork` creates a one-organisation network:
// keys, node.json and a committed genesis block. It works in a sibling
// temporary directory and renames it into place at the end, so a failed init
// leaves nothing half-written.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { SigningKey } from '../crypto/index.js';
import { CareLedgerError, parseEnvelope, signTx } from '../ledger/index.js';
import { SoloOrderer, type Orderer } from '../ordering/index.js';
import { SqliteLedgerStore, openDatabase } from '../storage/index.js';
import { defaultRegistry } from './contracts.js';
import { createNodeKeys, isInitialised, loadSigningKey, paths, readNodeConfig, writeNodeConfig, type NodeConfig } from './datadir.js';
import { LedgerNode } from './ledger-node.js';
import type { SubmitLimits } from './submit-gate.js';
import { toBase64Url } from '../crypto/index.js';

export interface InitOptions {
  networkId?: string;
  orgId?: string;
  orgName?: string;
  endpoint?: string;
}

export interface InitResult {
  dataDir: string;
  config: NodeConfig;
  adminKeyFile: string;
  nodeKeyFile: string;
  adminKeyId: string;
  nodeKeyId: string;
}

export interface OpenedNode {
  config: NodeConfig;
  node: LedgerNode;
  store: SqliteLedgerStore;
}

export interface OpenOptions {
  orderer?: (store: SqliteLedgerStore) => Orderer;
  verifyWorkers?: number;
  onFatal?: (error: unknown) => void;
  /** Submission quotas at the edge (default DEFAULT_SUBMIT_LIMITS). */
  limits?: Partial<SubmitLimits>;
}

/** Opens an initialised data directory and starts block delivery. */
export function openNode(dataDir: string, options: OpenOptions = {}): OpenedNode {
  const config = readNodeConfig(dataDir);
  const p = paths(dataDir);
  const nodeKey = loadSigningKey(p.nodeKey);
  const store = new SqliteLedgerStore(openDatabase(p.ledger));
  store.checkpointInBackground();
  const orderer = options.orderer ? options.orderer(store) : new SoloOrderer(store);
  const node = new LedgerNode({
    networkId: config.networkId,
    nodeKey,
    store,
    orderer,
    registry: defaultRegistry(),
    ...(options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers }),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  node.start();
  return { config, node, store };
}

/** Closes a node and its store. */
export async function closeNode(opened: OpenedNode): Promise<void> {
  await opened.node.close();
  await opened.store.stopBackgroundCheckpoints();
  opened.store.close();
}

function assertEmptyTarget(dataDir: string): void {
  if (isInitialised(dataDir)) throw new CareLedgerError('ALREADY_EXISTS', `${dataDir} is already initialised`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new CareLedgerError('CONFLICT', `${dataDir} exists and is not empty; choose an empty or new directory`);
  }
}

/** Creates a one-organisation development network in `dataDir`. */
export async function initDevNetwork(dataDir: string, options: InitOptions = {}): Promise<InitResult> {
  const target = resolve(dataDir);
  assertEmptyTarget(target);
  const staging = join(dirname(target), `.${basename(target)}.init-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'keys'), { recursive: true, mode: 0o700 });
  try {
    const config: NodeConfig = {
      networkId: options.networkId ?? 'careledger-dev',
      orgId: options.orgId ?? 'org1',
      endpoint: options.endpoint ?? 'http://127.0.0.1:8080',
      createdAt: new Date().toISOString(),
    };
    const { admin, nodeKey, hpke } = createNodeKeys(staging);
    await commitGenesis(staging, config, admin, nodeKey, toBase64Url(hpke.publicKey), options.orgName ?? config.orgId);
    writeNodeConfig(staging, config);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
    const final = paths(target);
    return {
      dataDir: target,
      config,
      adminKeyFile: final.adminKey,
      nodeKeyFile: final.nodeKey,
      adminKeyId: admin.keyId,
      nodeKeyId: nodeKey.keyId,
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
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
          contract: 'governance',
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

