// Test fixture: one organisation's node for the exchange integration test: a
// LedgerNode on its data dir with the given orderer, the records side (vault,
// KEK, secure repository, SMART auth store) built as node/records-service
// does, and a fastify server on 127.0.0.1 (port 0) with only the exchange
// routes. The custodian's disclosure source can be swapped (tests inject a
// faulty custodian) and the last signed request sent is kept (replay test).
import { ConsentBook } from '../../src/contracts/consent/index.js';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { registerExchangeRoutes } from '../../src/api/exchange-routes.js';
import { AuthStore, authenticate, type AuthDeps } from '../../src/auth/index.js';
import {
  ReplayGuard,
  httpTransport,
  importHpkePrivateKey,
  type DisclosureSource,
  type ExchangeTransport,
  type SignedExchangeRequest,
} from '../../src/exchange/index.js';
import { DisclosureReader, SecureFhirRepository, type AccessEvent } from '../../src/fhir/secure/index.js';
import type { Actor } from '../../src/fhir/types.js';
import { closeNode, ledgerPortOf, openNode, type OpenedNode, type OpenOptions } from '../../src/node/index.js';
import { Kek, Vault } from '../../src/vault/index.js';

export interface OrgNode {
  orgId: string;
  opened: OpenedNode;
  repository: SecureFhirRepository;
  auth: AuthDeps;
  url: string;
  hpkePublicKey: Uint8Array;
  realSource: DisclosureSource;
  setSource(source: DisclosureSource): void;
  lastRequest(): SignedExchangeRequest | undefined;
  memberActor(memberId: string, keyId: string): Actor;
  close(): Promise<void>;
}

function openDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

export async function startOrg(dir: string, orderer: NonNullable<OpenOptions['orderer']>): Promise<OrgNode> {
  const opened = openNode(dir, { verifyWorkers: 0, orderer });
  const orgId = opened.config.orgId;
  const db = openDb(join(dir, 'vault.sqlite'));
  const authDb = openDb(join(dir, 'auth.sqlite'));
  const kek = Kek.generate();
  const vault = new Vault(db, kek);
  const consents = new ConsentBook({ networkId: opened.node.networkId, hpkePrivateKey: opened.keys.hpkePrivateKey });
  const port = ledgerPortOf(opened.node, orgId);
  const repository = await SecureFhirRepository.open({ db, vault, kek, consents, ledger: port, audit: { intervalMs: 5 } });
  const auth: AuthDeps = { state: port.state, nodeKey: opened.node.nodeKey, store: new AuthStore(authDb), baseUrl: `http://${orgId}.test` };
  const realSource = new DisclosureReader({ db, vault, kek });
  let source: DisclosureSource = realSource;
  const ledger = port;
  const http = httpTransport({ timeoutMs: 15_000 });
  let last: SignedExchangeRequest | undefined;
  const transport: ExchangeTransport = {
    send: (endpoint, request) => {
      last = request;
      return http.send(endpoint, request);
    },
  };
  const app = Fastify({ logger: false });
  registerExchangeRoutes(app, {
    custodian: {
      ledger,
      source: { listForDisclosure: (p, t) => source.listForDisclosure(p, t) },
      replay: new ReplayGuard(),
      consents,
      audit: { recordNow: (events) => repository.recordAccessNow(events as unknown as AccessEvent[]) },
    },
    requester: { ledger, hpkeKey: await importHpkePrivateKey(opened.keys.hpkePrivateKey), transport },
    authenticate: (header) => authenticate(header, auth),
    localEverything: async (ctx, p) => (await repository.everything(ctx, p, { count: 1000, offset: 0 })).resources,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let closed = false;
  return {
    orgId, opened, repository, auth, url, hpkePublicKey: opened.keys.hpkePublicKey, realSource,
    setSource: (s) => {
      source = s;
    },
    lastRequest: () => last,
    memberActor: (memberId, keyId) => ({
      kind: 'member', orgId, memberId, keyId, roles: ['practitioner'],
      scopes: [{ context: 'user', resourceType: '*', permissions: { c: true, r: true, u: true, d: true, s: true } }],
    }),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await repository.close();
      await closeNode(opened);
      db.close();
      authDb.close();
    },
  };
}
