// Opening a consortium node (etcd orderer): the ledger node over a
// ClusterOrderer that catches up from peers after pruning, the witness, and
// the sync gate: the node reports 'syncing' until it has delivered every batch
// ordered before it started; a node that started from an empty ledger, or
// caught up from a peer meanwhile, also re-verifies its whole ledger offline
// (verifyDataDir, on a read snapshot) before it serves.
import { openNode, type OpenedNode } from './bootstrap.js';
import { ClusterOrderer, waitUntilSynced } from '../peers/cluster.js';
import { defaultRegistry } from './contracts.js';
import { readNodeConfig } from './datadir.js';
import { unlockKeyring, type NodeKeys, type UnlockSecrets } from './keystore.js';
import { signLedgerRead } from '../peers/read-auth.js';
import type { SubmitLimits } from '../pipeline/submit-gate.js';
import type { NetworkSettings } from './network-config.js';
import { verifyDataDir } from '../verifier/verify-datadir.js';
import { Witness, governancePeers } from '../peers/witness.js';
import { httpPeerTransport } from '../peers/transport.js';
import { trustAnchorsOf } from './tls.js';
import { tlsPinsForOrigin } from '../../contracts/governance/index.js';

export interface NetworkNode {
  opened: OpenedNode;
  cluster: ClusterOrderer;
  witness: Witness;
  syncing(): boolean;
  /** Resolves when the node is in sync (and verified, when required). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface OpenNetworkNodeOptions {
  log: (message: string) => void;
  /** Delivery or verification failed: the node must not serve. */
  onFatal: (error: Error) => void;
  verifyWorkers?: number;
  /** Keys already unlocked (else the keyring is unlocked with `unlock`). */
  keys?: NodeKeys;
  unlock?: UnlockSecrets;
  /** Submission quotas at the edge (default DEFAULT_SUBMIT_LIMITS). */
  limits?: Partial<SubmitLimits>;
  /** Largest size of the ledger database in bytes (OpenOptions.storageLimitBytes). */
  storageLimitBytes?: number;
}

/** Re-verifies the ledger at one read snapshot (blocks keep committing meanwhile). */
async function verifySnapshot(dataDir: string, networkId: string): Promise<{ ok: boolean; message: string }> {
  const r = await verifyDataDir(dataDir, { networkId });
  return r.ok ? { ok: true, message: `${r.blocks} blocks, ${r.txs} transactions verified` } : { ok: false, message: `height ${r.height}: ${r.reason}` };
}

export function openNetworkNode(dataDir: string, settings: NetworkSettings, options: OpenNetworkNodeOptions): NetworkNode {
  if (settings.orderer.kind !== 'etcd') throw new Error('openNetworkNode needs an etcd orderer');
  const hosts = settings.orderer.hosts;
  const etcdTls = settings.orderer.tls;
  const config = readNodeConfig(dataDir);
  const keys = options.keys ?? unlockKeyring(dataDir, options.unlock);
  const nodeKeyId = keys.nodeKey.keyId;
  const trustAnchors = trustAnchorsOf(dataDir, settings);
  // Peers' registered TLS identities, read from committed governance state at each call (after openNode returned).
  const transport = httpPeerTransport({ trustAnchors, pinsFor: (origin) => tlsPinsForOrigin(opened.node.state, origin) });
  let cluster: ClusterOrderer | undefined;
  let startedEmpty = false;
  let closed = false;
  const peers = (): string[] => {
    // Only called on a CompactedError, which arrives after openNode returned.
    const known = governancePeers(opened.node, config.orgId).map((p) => p.url);
    return [...new Set([...settings.peers, ...known])].filter((u) => u !== config.endpoint);
  };
  const opened: OpenedNode = openNode(dataDir, {
    keys,
    ...(options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers }),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.storageLimitBytes === undefined ? {} : { storageLimitBytes: options.storageLimitBytes }),
    onFatal: (e) => options.onFatal(e instanceof Error ? e : new Error(String(e))),
    orderer: (store) => {
      startedEmpty = store.head() === undefined;
      cluster = new ClusterOrderer({
        hosts,
        networkId: config.networkId,
        nodeId: nodeKeyId,
        store,
        registry: defaultRegistry(),
        peers,
        compactIntervalMs: settings.compactIntervalMs,
        ...(etcdTls === undefined ? {} : { etcd: { tls: etcdTls } }),
        log: options.log,
        onFatal: options.onFatal,
        // Only called during a catch-up, which starts after openNode returned.
        readAuth: (method, path) => signLedgerRead(opened.node.nodeKey, config.networkId, method, path),
        transport,
      });
      return cluster;
    },
  });
  const orderer = cluster as unknown as ClusterOrderer;
  const witness = new Witness({ node: opened.node, orgId: config.orgId, intervalMs: settings.witnessIntervalMs, log: options.log, transport });
  witness.start();
  let syncing = true;
  const ready = (async () => {
    const t0 = Date.now();
    await waitUntilSynced(orderer, hosts, config.networkId, () => closed, etcdTls);
    if (closed) return;
    if (startedEmpty || orderer.stats.catchUps > 0) {
      const r = await verifySnapshot(dataDir, config.networkId);
      if (!r.ok) throw new Error(`ledger does not verify after sync (${r.message}); refusing to serve`);
      options.log(`synced and verified: ${r.message}`);
    }
    syncing = false;
    options.log(`in sync at height ${opened.node.head.height} after ${Date.now() - t0} ms`);
  })();
  ready.catch((e: unknown) => {
    if (!closed) options.onFatal(e instanceof Error ? e : new Error(String(e)));
  });
  const openedNode = opened;
  return {
    opened: openedNode,
    cluster: orderer,
    witness,
    syncing: () => syncing,
    ready,
    async close() {
      closed = true;
      await witness.stop();
      await openedNode.node.close();
      await openedNode.store.stopBackgroundCheckpoints();
      openedNode.store.close();
    },
  };
}
