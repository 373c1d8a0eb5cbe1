// A development PKI for a consortium (docs/tls.md): what an operator needs to
// run the network with TLS everywhere, made with the `openssl` CLI (ECDSA
// P-256, SHA-256):
//   <dir>/ca.crt, ca.key                 the consortium CA (keep ca.key offline)
//   <dir>/etcd-member.crt/.key           the etcd members' certificate (server and client use)
//   <dir>/root.crt/.key                  the etcd administrator (CN=root), never on a node
//   <dir>/<org>/server.crt/.key          the org node's HTTPS certificate (SAN = its endpoint's host)
//   <dir>/<org>/etcd-client.crt/.key     the org node's etcd identity (CN = its etcd user)
//   <dir>/etcd-rbac.sh                   the etcd role and user commands (etcd-tls.ts)
// Existing files are kept (a second run issues only what is missing), so the
// CA made for the genesis also issues the certificates of a joining org.
// Development only: a production consortium runs its CA on an offline or
// HSM-backed machine; the layout and the checks stay the same.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { certificatePin } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import { Etcd3 } from 'etcd3';
import { applyNodeRbac, etcdCredentials, etcdNodeUser, etcdRoleCommands, etcdUserCommands, startEtcdCluster, type EtcdClientTls, type EtcdCluster } from '../../ordering/index.js';

export interface PemPair {
  certFile: string;
  keyFile: string;
}

export interface OrgPki {
  orgId: string;
  /** The node's HTTPS pair (start --tls-cert/--tls-key). */
  server: PemPair;
  /** The SPKI pin of the server key, registered in governance (tlsPins). */
  pin: string;
  /** The node's etcd client credentials (network.json orderer.tls). */
  etcd: EtcdClientTls;
}

export interface ConsortiumPki {
  dir: string;
  ca: PemPair;
  member: PemPair;
  root: PemPair;
  orgs: OrgPki[];
  /** The etcd role and user commands, as a script. */
  rbacScript: string;
}

const DAYS = '825';

function openssl(args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    throw new CareLedgerError('UNAVAILABLE', `openssl ${args[0] ?? ''} failed (is openssl installed?)`, { cause });
  }
}

/** The consortium CA in `dir` (ca.crt, ca.key), created if absent. */
export function ensureDevCa(dir: string, name: string): PemPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  if (existsSync(pair.certFile) && existsSync(pair.keyFile)) return pair;
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256', '-nodes', '-keyout', pair.keyFile, '-out', pair.certFile,
    '-days', DAYS, '-subj', `/CN=${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  chmodSync(pair.keyFile, 0o600);
  return pair;
}

/** subjectAltName entries for host names and addresses. */
function sanList(hosts: readonly string[]): string {
  return [...new Set(hosts)].map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** A leaf signed by `ca` at `<base>.crt/.key`, created if absent. */
export function issueLeaf(ca: PemPair, base: string, cn: string, usage: 'serverAuth' | 'clientAuth' | 'serverAuth,clientAuth', hosts: readonly string[] = []): PemPair {
  const pair = { certFile: `${base}.crt`, keyFile: `${base}.key` };
  if (existsSync(pair.certFile) && existsSync(pair.keyFile)) return pair;
  const ext = `${base}.ext`;
  const csr = `${base}.csr`;
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n${hosts.length > 0 ? `subjectAltName=${sanList(hosts)}\n` : ''}`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256', '-nodes', '-keyout', pair.keyFile, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl(['x509', '-req', '-sha256', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', pair.certFile, '-days', DAYS, '-extfile', ext]);
  chmodSync(pair.keyFile, 0o600);
  return pair;
}

/** The host of a URL (without IPv6 brackets). */
const hostOf = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

/** One organisation's server and etcd client certificates under `<dir>/<orgId>/`. */
export function issueOrgPki(dir: string, ca: PemPair, networkId: string, orgId: string, endpoint: string): OrgPki {
  const orgDir = join(dir, orgId);
  mkdirSync(orgDir, { recursive: true, mode: 0o700 });
  const server = issueLeaf(ca, join(orgDir, 'server'), hostOf(endpoint), 'serverAuth', [hostOf(endpoint)]);
  const client = issueLeaf(ca, join(orgDir, 'etcd-client'), etcdNodeUser(networkId, orgId).user, 'clientAuth');
  return { orgId, server, pin: certificatePin(readFileSync(server.certFile)), etcd: { caFile: ca.certFile, ...client } };
}

/** etcdctl's TLS flags for the administrator's certificate. */
const rootFlags = (dir: string) => `--cacert ${join(dir, 'ca.crt')} --cert ${join(dir, 'root.crt')} --key ${join(dir, 'root.key')}`;

function writeScript(file: string, lines: readonly string[]): void {
  writeFileSync(file, ['#!/bin/sh', '# etcd RBAC for CareLedger (docs/tls.md). Run once, with the root certificate, on a machine that reaches etcd.', 'set -eu',
    'ETCD_ROOT_PASSWORD="${ETCD_ROOT_PASSWORD:-$(openssl rand -base64 24)}"', ...lines, ''].join('\n'), { mode: 0o700 });
}

/**
 * The whole development PKI of a consortium: CA, etcd member and root
 * certificates (the members' for every etcd host, and loopback), each org's
 * server and etcd client certificates, and etcd-rbac.sh.
 */
export function createConsortiumPki(dir: string, networkId: string, orgs: ReadonlyArray<{ orgId: string; endpoint: string }>, etcdHosts: readonly string[]): ConsortiumPki {
  const ca = ensureDevCa(dir, networkId);
  const member = issueLeaf(ca, join(dir, 'etcd-member'), 'etcd-member', 'serverAuth,clientAuth', [...etcdHosts.map(hostOf), '127.0.0.1', 'localhost']);
  const root = issueLeaf(ca, join(dir, 'root'), 'root', 'clientAuth');
  const issued = orgs.map((o) => issueOrgPki(dir, ca, networkId, o.orgId, o.endpoint));
  const rbacScript = join(dir, 'etcd-rbac.sh');
  writeScript(rbacScript, etcdRoleCommands(networkId, orgs.map((o) => o.orgId), etcdHosts.join(','), rootFlags(dir)));
  return { dir, ca, member, root, orgs: issued, rbacScript };
}

/** A joining org's certificates from the consortium's development CA (which must exist in `dir`), and its etcd user commands. */
export function joinOrgPki(dir: string, networkId: string, orgId: string, endpoint: string, etcdHosts: readonly string[]): { org: OrgPki; rbacScript: string } {
  const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  if (!existsSync(ca.certFile) || !existsSync(ca.keyFile)) {
    throw new CareLedgerError('NOT_FOUND', `no consortium CA in ${dir} (ca.crt and ca.key, made by init --network-genesis --dev-pki)`, { field: 'devPki' });
  }
  const org = issueOrgPki(dir, ca, networkId, orgId, endpoint);
  const rbacScript = join(dir, orgId, 'etcd-rbac.sh');
  writeScript(rbacScript, etcdUserCommands(networkId, orgId, etcdHosts.join(','), rootFlags(dir)));
  return { org, rbacScript };
}

/**
 * A three-member etcd cluster on loopback with mutual TLS under the
 * development CA in `dir` (members and root certificates made if missing),
 * with the network's node role and one user per org, auth on: what
 * `demo --network` and the network benchmark run on.
 */
export async function startDevEtcd(dir: string, networkId: string, orgIds: readonly string[]): Promise<{ cluster: EtcdCluster; ca: PemPair; root: PemPair }> {
  const ca = ensureDevCa(dir, networkId);
  const member = issueLeaf(ca, join(dir, 'etcd-member'), 'etcd-member', 'serverAuth,clientAuth', ['127.0.0.1', 'localhost']);
  const root = issueLeaf(ca, join(dir, 'root'), 'root', 'clientAuth');
  const cluster = await startEtcdCluster(3, { tls: { caFile: ca.certFile, certFile: member.certFile, keyFile: member.keyFile, clientCertFile: root.certFile, clientKeyFile: root.keyFile } });
  const client = new Etcd3({ hosts: cluster.hosts, ...etcdCredentials({ caFile: ca.certFile, ...root }), dialTimeout: 3_000 });
  try {
    await applyNodeRbac(client, networkId, orgIds);
  } catch (error) {
    await cluster.stop();
    throw error;
  } finally {
    client.close();
  }
  return { cluster, ca, root };
}
