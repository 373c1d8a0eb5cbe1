// `careledger init --network-genesis FILE` and `careledger init --join`: a
// consortium's data directories, and with `--dev-pki DIR` the development
// PKI an operator needs for TLS everywhere (node/wiring/dev-pki.ts, docs/tls.md):
// the consortium CA, etcd member and root certificates, each organisation's
// HTTPS and etcd client certificates, and the etcd role and user commands as
// a script. Each org's server key is registered in the genesis (or in the
// admit-org proposal) as its TLS pin, each network.json names the CA bundle
// (tlsCa) and the node's etcd client certificate (orderer.tls).
// `--pki-only` writes the PKI and stops: etcd must run with TLS before the
// genesis can be ordered through it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { certificatePin } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { createConsortiumPki, initConsortium, initJoin, joinOrgPki, parseHostList, type ConsortiumPki, type PemPair } from '../node/index.js';
import type { initKeyOptionsOf } from './key-options.js';

type KeyOptions = ReturnType<typeof initKeyOptionsOf>;

export const ADMIN_KEY_ADVICE = 'it does not belong on a node: move it to the administrator\'s machine or offline storage';

const pemFiles = z.strictObject({ caFile: z.string(), certFile: z.string(), keyFile: z.string() });

const genesisFileSchema = z.strictObject({
  networkId: z.string(),
  etcd: z.array(z.string().url()).optional(),
  timeWindowMs: z.number().int().positive().optional(),
  /** The consortium's CA bundle (PEM), saved as each network.json's tlsCa. */
  tlsCa: z.string().optional(),
  orgs: z
    .array(
      z.strictObject({
        orgId: z.string(),
        name: z.string().optional(),
        endpoint: z.string().url(),
        dataDir: z.string(),
        /** Mutual TLS to etcd for this org's node (PEM files), docs/tls.md. */
        etcdTls: pemFiles.optional(),
        /** This org's node certificate (PEM): its key's pin is registered in the genesis. */
        tlsCert: z.string().optional(),
      }),
    )
    .min(1),
});

const absolute = (f: { caFile: string; certFile: string; keyFile: string }) => ({ caFile: resolve(f.caFile), certFile: resolve(f.certFile), keyFile: resolve(f.keyFile) });

/** The etcd member flags for the development PKI (client and peer URLs are https://). */
export function etcdMemberFlags(ca: PemPair, member: PemPair): string {
  return `--cert-file ${member.certFile} --key-file ${member.keyFile} --trusted-ca-file ${ca.certFile} --client-cert-auth ` +
    `--peer-cert-file ${member.certFile} --peer-key-file ${member.keyFile} --peer-trusted-ca-file ${ca.certFile} --peer-client-cert-auth`;
}

function describePki(pki: ConsortiumPki): string {
  return (
    `development PKI in ${pki.dir}\n` +
    `  consortium CA: ${pki.ca.certFile} (its key ${pki.ca.keyFile} belongs offline)\n` +
    `  etcd members, with https:// client and peer URLs:\n    etcd ... ${etcdMemberFlags(pki.ca, pki.member)}\n` +
    `  etcd users and roles (as root, ${pki.root.certFile}): ${pki.rbacScript}\n` +
    pki.orgs.map((o) => `  ${o.orgId}: HTTPS ${o.server.certFile} (pin ${o.pin}); etcd client ${o.etcd.certFile}\n`).join('')
  );
}

export async function initNetworkGenesis(file: string, flags: { etcd?: string | undefined; devPki?: string | undefined; pkiOnly?: boolean | undefined }, keys: KeyOptions): Promise<void> {
  const parsed = genesisFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new CareLedgerError('MALFORMED', `${file} is invalid`, { field: parsed.error.issues[0]?.path.join('.') ?? 'file' });
  const etcd = flags.etcd ? parseHostList(flags.etcd) : parsed.data.etcd;
  if (!etcd || etcd.length === 0) throw new CareLedgerError('MALFORMED', 'the consortium genesis is ordered through etcd: pass --etcd HOSTS', { field: 'etcd' });
  const { timeWindowMs, tlsCa, networkId } = parsed.data;
  if (keys.adminKeyOut !== undefined) throw new CareLedgerError('MALFORMED', '--admin-key-out names one file: a consortium writes one admin key per organisation next to each data directory', { field: 'adminKeyOut' });
  const pki = flags.devPki === undefined ? undefined : createConsortiumPki(resolve(flags.devPki), networkId, parsed.data.orgs, etcd);
  if (flags.pkiOnly) {
    if (pki === undefined) throw new CareLedgerError('MALFORMED', '--pki-only goes with --dev-pki DIR', { field: 'pkiOnly' });
    process.stdout.write(describePki(pki) + `then, with etcd up and its users in place:\n  careledger init --network-genesis ${file} --dev-pki ${pki.dir}\n`);
    return;
  }
  const orgs = parsed.data.orgs.map(({ etcdTls, tlsCert, ...org }) => {
    const issued = pki?.orgs.find((o) => o.orgId === org.orgId);
    const pin = tlsCert !== undefined ? certificatePin(readFileSync(tlsCert)) : issued?.pin;
    // Saved in network.json: absolute, so the node finds them whatever its working directory.
    const tls = etcdTls !== undefined ? absolute(etcdTls) : issued?.etcd;
    return { ...org, keyProvider: keys.keyProvider, ...(tls === undefined ? {} : { etcdTls: tls }), ...(pin === undefined ? {} : { tlsPins: [pin] }) };
  });
  const caFile = tlsCa !== undefined ? resolve(tlsCa) : pki?.ca.certFile;
  const r = await initConsortium({ networkId, orgs, etcd, ...(timeWindowMs === undefined ? {} : { timeWindowMs }), ...(caFile === undefined ? {} : { tlsCa: caFile }) });
  const tls = pki === undefined ? {} : {
    tls: {
      ca: pki.ca.certFile,
      rbacScript: pki.rbacScript,
      orgs: pki.orgs.map((o) => ({ orgId: o.orgId, tlsCert: o.server.certFile, tlsKey: o.server.keyFile, pin: o.pin, etcdCert: o.etcd.certFile })),
    },
  };
  process.stdout.write(`${JSON.stringify({ ...r, ...tls }, null, 2)}\n`);
}

export interface JoinFlags {
  dataDir: string;
  network: string;
  org: string;
  name?: string;
  endpoint: string;
  etcd?: string;
  peer?: string;
  devPki?: string;
  tlsCert?: string;
}

export function printJoin(o: JoinFlags, keys: KeyOptions, defaultPort: number): void {
  if (!o.etcd) throw new CareLedgerError('MALFORMED', '--join needs --etcd HOSTS', { field: 'etcd' });
  const peers = o.peer ? parseHostList(o.peer) : [];
  const etcd = parseHostList(o.etcd);
  const pki = o.devPki === undefined ? undefined : joinOrgPki(resolve(o.devPki), o.network, o.org, o.endpoint, etcd);
  const pin = o.tlsCert !== undefined ? certificatePin(readFileSync(o.tlsCert)) : pki?.org.pin;
  const r = initJoin({
    dataDir: o.dataDir, networkId: o.network, orgId: o.org, name: o.name ?? o.org, endpoint: o.endpoint, etcd, peers, ...keys,
    ...(pki === undefined ? {} : { etcdTls: pki.org.etcd, tlsCa: pki.org.etcd.caFile }),
    ...(pin === undefined ? {} : { tlsPins: [pin] }),
  });
  const args = JSON.stringify(r.proposal);
  const port = new URL(o.endpoint).port || defaultPort;
  const tlsFlags = pki === undefined ? '' : ` --tls-cert ${pki.org.server.certFile} --tls-key ${pki.org.server.keyFile}`;
  process.stdout.write(
    `initialised ${r.org.orgId} for network ${o.network} in ${r.org.dataDir}\n` +
      `  admin key: ${r.org.adminKeyFile} (${r.org.adminKeyId})\n    ${ADMIN_KEY_ADVICE}\n  node key:  ${r.org.nodeKeyId} (sealed in the data directory's keyring)\n` +
      (pki === undefined ? '' : `  HTTPS certificate: ${pki.org.server.certFile} (pin ${pki.org.pin}); etcd client certificate: ${pki.org.etcd.certFile}\n  etcd user for this node (run as root): ${pki.rbacScript}\n`) +
      `\nadmit-org proposal payload:\n${JSON.stringify(r.proposal.payload, null, 2)}\n\n` +
      `an admin of an existing organisation proposes it:\n` +
      `  careledger tx --key ADMIN_KEY.pem --url ${peers[0] ?? 'EXISTING_NODE_URL'} --contract governance --action propose --args '${args.replace(/'/g, "'\\''")}'\n` +
      `then other admins approve it (governance/approve with the proposalId from the result).\n` +
      `start this node (it syncs and verifies the history before serving):\n` +
      `  careledger start --data-dir ${o.dataDir} --port ${port}${tlsFlags}\n`,
  );
}
