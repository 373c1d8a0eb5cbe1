// Creating consortium data directories (ARCHITECTURE section 3, etcd ordering).
// initConsortium: N organisations on one machine (tests, demo), each with its
// own sealed keyring (node, HPKE and vault keys; docs/keys.md) and admin key
// written outside its data directory, and ONE genesis listing every organisation,
// ordered through etcd so every node commits it as block 0 itself.
// initJoin: a new organisation's data directory and the admit-org proposal
// payload an existing admin submits for it.
import { resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import { generateSigningKey, toBase64Url, type SigningKey } from '../../crypto/index.js';
import { parseEnvelope, signTx } from '../../ledger/index.js';
import { GOVERNANCE_CONTRACT } from '../../contracts/governance/index.js';
import { CareLedgerError } from '../../errors/index.js';
import { EtcdOrderer, etcdCredentials, type EtcdClientTls } from '../../ordering/index.js';
import { assertEmptyDataDir, writeNodeConfig, type NodeConfig } from './datadir.js';
import { createNodeKeyring, writeAdminKey, type KeyProviderChoice } from './keystore.js';
import { writeNetworkConfig } from './network-config.js';

export interface ConsortiumOrg {
  orgId: string;
  name?: string | undefined;
  /** This org's node URL as other nodes reach it. */
  endpoint: string;
  dataDir: string;
  /** How this org's keyring is sealed; default the development key file in `<dataDir>-keys/`. */
  keyProvider?: KeyProviderChoice | undefined;
  /** Where this org's admin key goes (outside its data directory); default `<dataDir>-keys/admin.pem`. */
  adminKeyOut?: string | undefined;
  /** This org's node's mutual TLS to etcd (its client certificate), saved in its network.json (docs/tls.md). */
  etcdTls?: EtcdClientTls | undefined;
  /** Its node's TLS identity (SPKI pins of its server certificate), registered in governance. */
  tlsPins?: string[] | undefined;
}

export interface ConsortiumOptions {
  networkId: string;
  orgs: ConsortiumOrg[];
  /** etcd client URLs; the genesis is ordered there. */
  etcd: string[];
  /** The credentials init itself uses on etcd (default: the first org's etcdTls). */
  etcdTls?: EtcdClientTls;
  /** The consortium's CA bundle (absolute path), saved as every org's network.json tlsCa. */
  tlsCa?: string | undefined;
  witnessIntervalMs?: number;
  compactIntervalMs?: number;
  timeWindowMs?: number;
}

/** What an organisation's data directory holds, for printing and tests. */
export interface OrgDataDir {
  orgId: string;
  dataDir: string;
  endpoint: string;
  /** The org admin key, outside the data directory. */
  adminKeyFile: string;
  adminKeyId: string;
  nodeKeyId: string;
  hpkePublicKey: string;
}

/** The governance admit-org payload (and genesis org entry) of one organisation. */
export interface OrgPayload {
  orgId: string;
  name: string;
  adminKeys: string[];
  nodeKeys: string[];
  hpkePublicKey: string;
  endpoint: string;
  tlsPins?: string[];
}

/** Writes keys, node.json and network.json; returns the org's payload and its admin key. */
function createOrgDir(
  networkId: string,
  org: ConsortiumOrg,
  settings: { etcd: string[]; peers?: string[]; witnessIntervalMs?: number; compactIntervalMs?: number; tlsCa?: string | undefined },
): { info: OrgDataDir; payload: OrgPayload; admin: SigningKey } {
  const dataDir = resolve(org.dataDir);
  assertEmptyDataDir(dataDir);
  const keys = createNodeKeyring(dataDir, org.keyProvider ?? { kind: 'file' });
  const nodeKey = keys.nodeKey;
  const admin = generateSigningKey();
  const adminKeyFile = writeAdminKey(dataDir, admin, org.adminKeyOut);
  const config: NodeConfig = { networkId, orgId: org.orgId, endpoint: org.endpoint, createdAt: new Date().toISOString() };
  writeNetworkConfig(dataDir, {
    orderer: { kind: 'etcd', hosts: settings.etcd, ...(org.etcdTls === undefined ? {} : { tls: org.etcdTls }) },
    peers: settings.peers ?? [],
    ...(settings.witnessIntervalMs === undefined ? {} : { witnessIntervalMs: settings.witnessIntervalMs }),
    ...(settings.compactIntervalMs === undefined ? {} : { compactIntervalMs: settings.compactIntervalMs }),
    ...(settings.tlsCa === undefined ? {} : { tlsCa: settings.tlsCa }),
  });
  writeNodeConfig(dataDir, config); // last: node.json marks the directory initialised
  const hpkePublicKey = toBase64Url(keys.hpkePublicKey);
  const payload: OrgPayload = {
    orgId: org.orgId,
    name: org.name ?? org.orgId,
    adminKeys: [admin.keyId],
    nodeKeys: [nodeKey.keyId],
    hpkePublicKey,
    endpoint: org.endpoint,
    ...(org.tlsPins === undefined || org.tlsPins.length === 0 ? {} : { tlsPins: [...org.tlsPins] }),
  };
  const info: OrgDataDir = {
    orgId: org.orgId,
    dataDir,
    endpoint: org.endpoint,
    adminKeyFile,
    adminKeyId: admin.keyId,
    nodeKeyId: nodeKey.keyId,
    hpkePublicKey,
  };
  return { info, payload, admin };
}

/**
 * Creates one data directory per organisation and orders ONE genesis
 * transaction (governance/genesis listing every org, signed by the first
 * org's admin) through etcd. Refuses if the network already has batches.
 */
export async function initConsortium(options: ConsortiumOptions): Promise<{ networkId: string; orgs: OrgDataDir[]; genesisTxId: string }> {
  if (options.orgs.length === 0) throw new CareLedgerError('MALFORMED', 'a consortium needs at least one organisation', { field: 'orgs' });
  const etcdTls = options.etcdTls ?? options.orgs[0]?.etcdTls;
  const client = new Etcd3({ hosts: options.etcd, ...etcdCredentials(etcdTls), dialTimeout: 3_000 });
  try {
    const existing = await client.getAll().prefix(`/careledger/${options.networkId}/`).options({ deadline: Date.now() + 5_000 }).count();
    if (existing > 0) throw new CareLedgerError('ALREADY_EXISTS', `network ${options.networkId} already has ${existing} keys in etcd`);
  } finally {
    client.close();
  }
  const created = options.orgs.map((org) =>
    createOrgDir(options.networkId, org, {
      etcd: options.etcd,
      ...(options.witnessIntervalMs === undefined ? {} : { witnessIntervalMs: options.witnessIntervalMs }),
      ...(options.compactIntervalMs === undefined ? {} : { compactIntervalMs: options.compactIntervalMs }),
      tlsCa: options.tlsCa,
    }),
  );
  const first = created[0]!;
  const genesis = parseEnvelope(signTx(
    {
      network: options.networkId,
      contract: GOVERNANCE_CONTRACT,
      action: 'genesis',
      args: {
        networkId: options.networkId,
        orgs: created.map((c) => c.payload),
        ...(options.timeWindowMs === undefined ? {} : { timeWindowMs: options.timeWindowMs }),
      },
    },
    first.admin,
  ));
  const orderer = new EtcdOrderer({ hosts: options.etcd, ...(etcdTls === undefined ? {} : { tls: etcdTls }), networkId: options.networkId, nodeId: first.info.nodeKeyId });
  try {
    await orderer.submit([genesis.bytes]);
  } finally {
    await orderer.close();
  }
  return { networkId: options.networkId, orgs: created.map((c) => c.info), genesisTxId: genesis.txId };
}


export interface JoinOptions {
  dataDir: string;
  networkId: string;
  orgId: string;
  name?: string | undefined;
  endpoint: string;
  etcd: string[];
  /** Peers to catch up from while this node is not yet in governance state. */
  peers: string[];
  keyProvider?: KeyProviderChoice | undefined;
  adminKeyOut?: string | undefined;
  /** Mutual TLS to etcd, the consortium CA bundle and the node's pins (docs/tls.md). */
  etcdTls?: EtcdClientTls | undefined;
  tlsCa?: string | undefined;
  tlsPins?: string[] | undefined;
}

/**
 * Creates a joining organisation's data directory and returns the admit-org
 * proposal an existing admin submits (`careledger tx --contract governance
 * --action propose`). The node syncs the whole history once started.
 */
export function initJoin(options: JoinOptions): { org: OrgDataDir; proposal: { kind: 'admit-org'; payload: OrgPayload } } {
  const { info, payload } = createOrgDir(options.networkId, options, { etcd: options.etcd, peers: options.peers, tlsCa: options.tlsCa });
  return { org: info, proposal: { kind: 'admit-org', payload } };
}
