// Peers over TLS under the consortium's trust anchors: the peer transport
// (catch-up, witnessing) and the exchange transport call a peer whose
// certificate chains to the consortium CA, and refuse one from another CA,
// one presenting a certificate for another host, and a plain http: URL. The
// CA bundle itself is checked when the node opens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { httpTransport } from '../../src/exchange/index.js';
import { fetchBlocksFromPeer } from '../../src/node/peers/catchup.js';
import { httpPeerTransport } from '../../src/node/peers/transport.js';
import { readTrustAnchors } from '../../src/node/wiring/tls.js';
import { isCareLedgerError } from '../../src/errors/index.js';
import { makeTempDir, removeDir } from '../helpers/proc.js';
import { makeCa, makeLeaf, type Leaf, type TestCa } from './certs.js';

let dir: string;
let consortium: TestCa;
let anchors: Buffer;
const servers: Server[] = [];

/** An HTTPS peer answering every request with JSON {path, method} (the checkpoint path with a text note). */
async function peer(leaf: Leaf): Promise<string> {
  const server = createServer({ cert: readFileSync(leaf.certFile), key: readFileSync(leaf.keyFile) }, (req, res) => {
    if (req.url === '/ledger/v1/checkpoint') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('note');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, method: req.method }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let trusted: string;
let foreign: string;
let wrongHost: string;

before(async () => {
  dir = makeTempDir('careledger-tls-peers-');
  consortium = makeCa(dir, 'consortium-ca');
  anchors = readTrustAnchors(consortium.certFile);
  const other = makeCa(dir, 'other-consortium-ca');
  trusted = await peer(makeLeaf(consortium, 'node.org2'));
  foreign = await peer(makeLeaf(other, 'node.evil'));
  // Signed by the consortium CA, but for another host than the one called.
  const elsewhere = join(dir, 'elsewhere');
  writeFileSync(`${elsewhere}.ext`, 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:node.org9.example\n');
  const { execFileSync } = await import('node:child_process');
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${elsewhere}.key`, '-out', `${elsewhere}.csr`, '-subj', '/CN=node.org9.example'], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', `${elsewhere}.csr`, '-CA', consortium.certFile, '-CAkey', consortium.keyFile, '-CAcreateserial', '-out', `${elsewhere}.crt`, '-days', '2', '-extfile', `${elsewhere}.ext`], { stdio: 'ignore' });
  wrongHost = await peer({ certFile: `${elsewhere}.crt`, keyFile: `${elsewhere}.key` });
});

after(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  removeDir(dir);
});

const untrusted = (reason: RegExp) => (e: unknown) => isCareLedgerError(e) && e.code === 'UNAVAILABLE' && reason.test(e.message);

void test('peer transport: a consortium-signed peer answers; another CA, another host name and plain http are refused', async () => {
  const t = httpPeerTransport({ trustAnchors: anchors });
  assert.deepEqual(await t.getJson(trusted, '/ledger/v1/network/block-seqs?from=0', { timeoutMs: 5_000, auth: () => 'CareLedger-Read x' }), {
    path: '/ledger/v1/network/block-seqs?from=0',
    method: 'GET',
  });
  assert.equal(await t.getText(trusted, '/ledger/v1/checkpoint', { timeoutMs: 5_000 }), 'note');
  await assert.rejects(t.getText(foreign, '/ledger/v1/checkpoint', { timeoutMs: 5_000 }), untrusted(/certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/));
  await assert.rejects(t.getText(wrongHost, '/ledger/v1/checkpoint', { timeoutMs: 5_000 }), untrusted(/certificate is not trusted \(ERR_TLS_CERT_ALTNAME_INVALID\)/));
  await assert.rejects(t.getText(trusted.replace('https:', 'http:'), '/ledger/v1/checkpoint', { timeoutMs: 5_000 }), untrusted(/not https: and trust anchors are configured/));
  // Without trust anchors, the system roots do not know the consortium CA either.
  await assert.rejects(httpPeerTransport().getText(trusted, '/ledger/v1/checkpoint', { timeoutMs: 5_000 }));
});

void test('catch-up through the transport: a foreign peer is UNAVAILABLE, never read', async () => {
  const t = httpPeerTransport({ trustAnchors: anchors });
  await assert.rejects(fetchBlocksFromPeer(foreign, 0, 10, 5_000, undefined, t), (e: unknown) => isCareLedgerError(e) && e.code === 'UNAVAILABLE');
});

void test('exchange transport: the custodian must chain to the consortium CA', async () => {
  const x = httpTransport({ trustAnchors: anchors, timeoutMs: 5_000 });
  assert.deepEqual(await x.send(trusted, { hello: 1 } as never), { path: '/exchange/v1/requests', method: 'POST' });
  await assert.rejects(x.send(foreign, { hello: 1 } as never), untrusted(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/));
  await assert.rejects(x.send(trusted.replace('https:', 'http:'), { hello: 1 } as never), untrusted(/not https:/));
  const small = httpTransport({ trustAnchors: anchors, timeoutMs: 5_000, maxResponseBytes: 10 });
  await assert.rejects(small.send(trusted, { hello: 1 } as never), (e: unknown) => isCareLedgerError(e) && e.code === 'UNAVAILABLE' && e.field === 'response');
});

void test('the CA bundle: a leaf certificate or a key file is refused', () => {
  const leaf = makeLeaf(consortium, 'not-a-ca');
  assert.throws(() => readTrustAnchors(leaf.certFile), /not a CA/);
  assert.throws(() => readTrustAnchors(leaf.keyFile), /holds no PEM certificate/);
  assert.throws(() => readTrustAnchors(join(dir, 'missing.pem')), (e: unknown) => isCareLedgerError(e) && e.code === 'NOT_FOUND');
});
