// A peer's TLS identity from its governance record: the SPKI pin matches
// openssl's computation of the same digest; catch-up, witnessing and the
// exchange refuse a peer whose certificate chains to the consortium CA and
// names the right host but carries a key its organisation did not register
// (a CA that mis-issued, or another member's node answering at that address),
// and accept it once the organisation registers that key with update-org.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { certificatePin } from '../../src/crypto/index.js';
import { governanceContract, tlsPinsForOrigin } from '../../src/contracts/governance/index.js';
import { httpTransport } from '../../src/exchange/index.js';
import { httpPeerTransport } from '../../src/node/peers/transport.js';
import { readTrustAnchors } from '../../src/node/wiring/tls.js';
import { isCareLedgerError } from '../../src/errors/index.js';
import { MemoryState, TEST_NETWORK, runAction, testKeyId } from '../helpers/contracts.js';
import { makeTempDir, removeDir } from '../helpers/proc.js';
import { makeCa, makeLeaf, type Leaf } from './certs.js';

let dir: string;
let anchors: Buffer;
let genuine: Leaf;
let misissued: Leaf;
const servers: Server[] = [];

async function serve(leaf: Leaf): Promise<string> {
  const server = createServer({ cert: readFileSync(leaf.certFile), key: readFileSync(leaf.keyFile) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(() => {
  dir = makeTempDir('careledger-tls-pins-');
  const ca = makeCa(dir, 'consortium-ca');
  anchors = readTrustAnchors(ca.certFile);
  genuine = makeLeaf(ca, 'node.org2', 'serverAuth');
  // Same CA, same host names (127.0.0.1, localhost), another key.
  misissued = makeLeaf(ca, 'node.org2', 'serverAuth', 'misissued');
});

after(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  removeDir(dir);
});

const notRegistered = (e: unknown) => isCareLedgerError(e) && e.code === 'UNAVAILABLE' && /\(CERT_KEY_NOT_REGISTERED\)/.test(e.message);

void test('the pin is base64url SHA-256 of the SubjectPublicKeyInfo, as openssl computes it', () => {
  const spki = execFileSync('sh', ['-c', `openssl x509 -in '${genuine.certFile}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary`]);
  assert.equal(spki.byteLength, 32);
  assert.equal(certificatePin(readFileSync(genuine.certFile)), spki.toString('base64url'));
  assert.notEqual(certificatePin(readFileSync(misissued.certFile)), certificatePin(readFileSync(genuine.certFile)));
});

void test('a peer must present the key its organisation registered; rotation is an update-org transaction', async () => {
  const genuineUrl = await serve(genuine);
  const impostorUrl = await serve(misissued);
  // Governance state where org2's endpoint is the impostor's address, pinned to org2's genuine key.
  const state = new MemoryState();
  const admin2 = testKeyId('org2/admin');
  const org = (orgId: string, endpoint: string, tlsPins?: string[]) => ({
    orgId, name: orgId, adminKeys: [testKeyId(`${orgId}/admin`)], nodeKeys: [testKeyId(`${orgId}/node`)],
    hpkePublicKey: Buffer.alloc(32, 7).toString('base64url'), endpoint, ...(tlsPins ? { tlsPins } : {}),
  });
  const genesis = runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('org1', 'https://org1.example'), org('org2', impostorUrl, [certificatePin(readFileSync(genuine.certFile))])] }, { state, signer: testKeyId('org1/admin') });
  assert.equal(genesis.refusal, undefined);
  const pinsFor = (origin: string) => tlsPinsForOrigin(state, origin);
  const peers = httpPeerTransport({ trustAnchors: anchors, pinsFor });
  const exchange = httpTransport({ trustAnchors: anchors, pinsFor, timeoutMs: 5_000 });
  const o = { timeoutMs: 5_000 };

  // The impostor chains to the consortium CA and names 127.0.0.1: only the pin refuses it.
  await assert.rejects(peers.getJson(impostorUrl, '/ledger/v1/network/block-seqs?from=0', o), notRegistered);
  await assert.rejects(peers.getText(impostorUrl, '/ledger/v1/checkpoint', o), notRegistered);
  await assert.rejects(exchange.send(impostorUrl, { hello: 1 } as never), notRegistered);
  // Without the pin the same peer is accepted by the CA check alone (what the pin adds).
  assert.deepEqual(await httpPeerTransport({ trustAnchors: anchors }).getJson(impostorUrl, '/x', o), { ok: true });
  // A pinned peer over plain http is refused even without trust anchors.
  const pinnedHttp = httpPeerTransport({ pinsFor: () => [certificatePin(readFileSync(genuine.certFile))] });
  await assert.rejects(pinnedHttp.getText('http://127.0.0.1:9/', '/x', o), (e: unknown) => isCareLedgerError(e) && /registered a TLS identity/.test(e.message));

  // org2 moves its endpoint to the genuine server: accepted, pin and CA both hold.
  assert.equal(runAction(governanceContract, 'update-org', { endpoint: genuineUrl }, { state, signer: admin2 }).refusal, undefined);
  assert.deepEqual(pinsFor(new URL(genuineUrl).origin), [certificatePin(readFileSync(genuine.certFile))]);
  assert.deepEqual(await peers.getJson(genuineUrl, '/x', o), { ok: true });
  assert.deepEqual(await exchange.send(genuineUrl, { hello: 1 } as never), { ok: true });
  // org2 rotates to a new key without registering it first: refused until update-org names it.
  assert.equal(runAction(governanceContract, 'update-org', { endpoint: impostorUrl }, { state, signer: admin2 }).refusal, undefined);
  await assert.rejects(peers.getJson(impostorUrl, '/x', o), notRegistered);
  assert.equal(runAction(governanceContract, 'update-org', { tlsPins: [certificatePin(readFileSync(misissued.certFile))] }, { state, signer: admin2 }).refusal, undefined);
  assert.deepEqual(await peers.getJson(impostorUrl, '/x', o), { ok: true });
  assert.deepEqual(await exchange.send(impostorUrl, { hello: 1 } as never), { ok: true });
});
