// Test fixture: a supply-chain consortium of N organisations, each with its
// own node (data dir, node key, ledger), ordered by one real etcd member on
// loopback, each serving the /supplychain/v1 door on 127.0.0.1 with SMART
// bearer-token authentication. Genesis lists every org; trading roles are
// admitted by governance proposals approved by a majority; each org gets a
// member with a supply role whose key signs its token requests.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { errorHandler } from '../../src/api/errors.js';
import { registerSupplyChainRoutes } from '../../src/api/supplychain-routes.js';
import { AuthStore, authenticate, requestClientCredentialsToken, type AuthDeps } from '../../src/auth/index.js';
import { proposalIdForTx } from '../../src/contracts/governance/index.js';
import { generateSigningKey, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { parseEnvelope, signTx, type JsonValue } from '../../src/ledger/index.js';
import { writeNodeConfig } from '../../src/node/wiring/datadir.js';
import { createNodeKeyring } from '../../src/node/wiring/keystore.js';
import { closeNode, ledgerPortOf, openEpcisStore, openNode, type OpenedNode } from '../../src/node/index.js';
import { EtcdOrderer } from '../../src/ordering/index.js';
import { startEtcdCluster, type EtcdCluster } from '../cluster/etcd.js';

/** Assertions walk arbitrary JSON replies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Partner {
  orgId: string;
  dataDir: string;
  opened: OpenedNode;
  admin: SigningKey;
  member: SigningKey;
  url: string;
  app: FastifyInstance;
  auth: AuthDeps;
  /** A fresh bearer token of the org's member (default scope system/Medication.rs, which every supply role may get). */
  token(scope?: string): Promise<string>;
}

export interface Consortium {
  networkId: string;
  partners: Partner[];
  /** Signs and submits a transaction at `at`'s node; asserts it committed OK. */
  tx(at: Partner, key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Promise<string>;
  /** Waits until every node reached the highest height among them. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface PartnerSpec {
  orgId: string;
  /** Trading roles ([] for a member org that is no trading partner). */
  roles: string[];
  /** The identity role of the org's member. */
  memberRole: string;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startConsortium(specs: readonly PartnerSpec[]): Promise<Consortium> {
  const cluster: EtcdCluster = await startEtcdCluster(1);
  const root = mkdtempSync(join(tmpdir(), 'careledger-supply-'));
  const networkId = `supply-${randomBytes(4).toString('hex')}`;
  const partners: Partner[] = [];
  const dbs: Database.Database[] = [];
  const close = async () => {
    for (const p of partners) await p.app.close();
    await Promise.allSettled(partners.map((p) => closeNode(p.opened)));
    for (const db of dbs) db.close();
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const spec of specs) {
      const dataDir = join(root, spec.orgId);
      createNodeKeyring(dataDir, { kind: 'file' });
      writeNodeConfig(dataDir, { networkId, orgId: spec.orgId, endpoint: 'http://127.0.0.1:1', createdAt: new Date().toISOString() });
      const opened = openNode(dataDir, {
        verifyWorkers: 0,
        orderer: (store) => new EtcdOrderer({ hosts: cluster.hosts, networkId, nodeId: spec.orgId, appliedSeq: () => store.head()?.ordererSeq ?? 0, reportIntervalMs: 50, leaseTtlSeconds: 5 }),
      });
      const db = new Database(join(root, `${spec.orgId}-auth.sqlite`));
      dbs.push(db);
      // The node's off-ledger EPCIS store, as openRecords opens it: supplychain.sqlite in the data dir.
      const supplyDb = new Database(join(dataDir, 'supplychain.sqlite'));
      dbs.push(supplyDb);
      const epcis = { store: openEpcisStore(supplyDb, opened.keys.kek), hpkePrivateKey: opened.keys.hpkePrivateKey };
      const port = ledgerPortOf(opened.node, spec.orgId);
      const auth: AuthDeps = { state: port.state, nodeKey: opened.node.nodeKey, store: new AuthStore(db), baseUrl: `http://${spec.orgId}.test` };
      const app = Fastify({ logger: false });
      app.setErrorHandler(errorHandler);
      registerSupplyChainRoutes(app, { ledger: port, authenticate: (h) => authenticate(h, auth), epcis });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const member = generateSigningKey();
      const partner: Partner = {
        orgId: spec.orgId, dataDir, opened, admin: generateSigningKey(), member, app, auth,
        url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        async token(scope = 'system/Medication.rs') {
          const aud = `${auth.baseUrl}/auth/token`;
          const now = Math.floor(Date.now() / 1000);
          const assertion = await new SignJWT({ iss: member.keyId, sub: member.keyId, aud, exp: now + 60, iat: now, jti: randomUUID() })
            .setProtectedHeader({ alg: 'EdDSA', kid: member.keyId })
            .sign(member.privateKey);
          const res = await requestClientCredentialsToken(
            { grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
            auth,
          );
          return res.access_token;
        },
      };
      partners.push(partner);
    }
    const tx = async (at: Partner, key: SigningKey, contract: string, action: string, args: Record<string, unknown>): Promise<string> => {
      const env = parseEnvelope(signTx({ network: networkId, contract, action, args: args as { [k: string]: JsonValue } }, key));
      const [r] = (await at.opened.node.submit([env], { wait: true, timeoutMs: 15_000 })) ?? [];
      assert.equal(r?.code, 'OK', `${contract}/${action}: ${r?.code}`);
      return env.txId;
    };
    const sync = async () => {
      const height = Math.max(...partners.map((p) => p.opened.node.head.height));
      await waitUntil(() => partners.every((p) => p.opened.node.head.height >= height), 15_000, `height ${height} everywhere`);
    };
    const [first] = partners as [Partner];
    await tx(first, first.admin, 'governance', 'genesis', {
      networkId,
      orgs: partners.map((p) => ({
        orgId: p.orgId, name: p.orgId, adminKeys: [p.admin.keyId], nodeKeys: [p.opened.node.nodeKey.keyId],
        hpkePublicKey: toBase64Url(p.opened.keys.hpkePublicKey), endpoint: p.url,
      })),
    });
    await sync();
    const majority = Math.floor(partners.length / 2) + 1;
    for (const [i, spec] of specs.entries()) {
      const p = partners[i] as Partner;
      await tx(p, p.admin, 'identity', 'register-member', { memberId: `${spec.orgId}-ops`, roles: [spec.memberRole], keys: [p.member.keyId] });
      if (spec.roles.length === 0) continue;
      const proposalTx = await tx(p, p.admin, 'governance', 'propose', { kind: 'set-trading-roles', payload: { orgId: spec.orgId, roles: spec.roles } });
      await sync();
      for (const other of partners.filter((o) => o !== p).slice(0, majority - 1)) {
        await tx(other, other.admin, 'governance', 'approve', { proposalId: proposalIdForTx(proposalTx) });
        await sync();
      }
    }
    await sync();
    return { networkId, partners, tx, sync, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Calls the supply door of `p` as its member; returns status and JSON body. */
export async function call(p: Partner, method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${p.url}/supplychain/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token ?? (await p.token())}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.json() };
}
