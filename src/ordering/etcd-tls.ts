// Mutual TLS to the ordering cluster (docs/tls.md): the PEM files a node
// presents to etcd (its client certificate and key, issued by the consortium
// CA with the node's etcd user name as CN) and the CA that etcd's server
// certificates must chain to. With --client-cert-auth etcd takes the user
// name from the certificate's CN, and RBAC grants that user one role
// (etcdRoleCommands). What etcd 3.4's RBAC can and cannot refuse is in
// docs/tls.md: it has read and write permissions per key range, and "write"
// includes delete; compaction is not permission-checked at all.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Etcd3, IOptions } from 'etcd3';
import { networkKeys } from './etcd-keys.js';

export interface EtcdClientTls {
  /** CA bundle the etcd members' server certificates chain to. */
  caFile: string;
  /** This node's client certificate (CN = its etcd user) and key. */
  certFile: string;
  keyFile: string;
}

/** The etcd3 client's credentials for `tls` (files read now), or nothing for plain http. */
export function etcdCredentials(tls: EtcdClientTls | undefined): Pick<IOptions, 'credentials'> {
  if (tls === undefined) return {};
  return {
    credentials: {
      rootCertificate: readFileSync(tls.caFile),
      privateKey: readFileSync(tls.keyFile),
      certChain: readFileSync(tls.certFile),
    },
  };
}

/** The etcd user and role names of an organisation's node in a network. */
export function etcdNodeUser(networkId: string, orgId: string): { user: string; role: string } {
  return { user: `careledger-${networkId}-${orgId}`, role: `careledger-${networkId}-node` };
}

/**
 * The etcdctl lines an operator runs (as root, once per network and once per
 * organisation) so a node's user may read and write under the network's
 * prefix and nowhere else.
 */
export function etcdRoleCommands(networkId: string, orgIds: readonly string[], endpoints: string, tlsFlags = '--cacert ca.crt --cert root.crt --key root.key'): string[] {
  const k = networkKeys(networkId);
  const root = k.batches.slice(0, -'batches/'.length);
  const { role } = etcdNodeUser(networkId, orgIds[0] ?? 'org');
  const ctl = `etcdctl --endpoints ${endpoints} ${tlsFlags}`;
  const lines = [
    `${ctl} user add root --new-user-password "$ETCD_ROOT_PASSWORD"   # once per cluster; its certificate's CN is root`,
    `${ctl} user grant-role root root`,
    `${ctl} role add ${role}`,
    `${ctl} role grant-permission ${role} --prefix=true readwrite ${root}`,
  ];
  for (const orgId of orgIds) lines.push(...etcdUserCommands(networkId, orgId, endpoints, tlsFlags));
  lines.push(`${ctl} auth enable   # once per cluster, after root exists`);
  return lines;
}

/** The two etcdctl lines that give one organisation's node its user (a joining org's, once the role exists). */
export function etcdUserCommands(networkId: string, orgId: string, endpoints: string, tlsFlags = '--cacert ca.crt --cert root.crt --key root.key'): string[] {
  const { user, role } = etcdNodeUser(networkId, orgId);
  const ctl = `etcdctl --endpoints ${endpoints} ${tlsFlags}`;
  // etcd 3.4's etcdctl has no --no-password (3.5 does): a random password nobody keeps; the node signs in with its certificate.
  return [`${ctl} user add ${user} --new-user-password "$(openssl rand -base64 24)"`, `${ctl} user grant-role ${user} ${role}`];
}

/**
 * Does what etcdRoleCommands prints, through a client authenticated as root
 * (its certificate's CN is root): the root user, the network's node role with
 * readwrite on the network prefix only, one user per organisation, then auth
 * on. The users' passwords are random and never used (they authenticate with
 * certificates). For tests and `demo --network`.
 */
export async function applyNodeRbac(root: Etcd3, networkId: string, orgIds: readonly string[]): Promise<void> {
  const prefix = networkKeys(networkId).batches.slice(0, -'batches/'.length);
  const secret = () => randomBytes(24).toString('base64url');
  await root.user('root').create(secret());
  await root.user('root').addRole('root');
  const { role } = etcdNodeUser(networkId, orgIds[0] ?? 'org');
  await root.role(role).create();
  await root.role(role).grant({ permission: 'Readwrite', range: root.range({ prefix }) });
  for (const orgId of orgIds) {
    const { user } = etcdNodeUser(networkId, orgId);
    await root.user(user).create(secret());
    await root.user(user).addRole(role);
  }
  await root.auth.authEnable({});
}
