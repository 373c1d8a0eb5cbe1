// `careledger start --tls-cert --tls-key`: HTTPS with a certificate checked
// against the test CA (and refused without it), HTTP/2 negotiated by ALPN,
// HSTS on responses, plain HTTP on the TLS port refused, a certificate
// rotation on SIGHUP and on file change without a restart and without
// dropping an open HTTP/2 session; and plain HTTP off loopback refused
// without --insecure-http.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir, runCli, spawnNode, stopNode, type NodeProcess } from '../helpers/proc.js';
import { makeCa, makeLeaf, type Leaf, type TestCa } from './certs.js';

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsGet(port: number, path: string, ca: Buffer | undefined): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 5_000, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The subject CN of the certificate the server presents to a new connection. */
function servedCn(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn.join(',') : cn ?? '');
    });
    socket.on('error', reject);
  });
}

function h2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; hsts: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let hsts: unknown;
    let body = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
      hsts = h['strict-transport-security'];
    });
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => resolve({ status, hsts, body }));
    stream.on('error', reject);
    stream.end();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitHttps(node: NodeProcess, ca: Buffer, timeoutMs = 20_000): Promise<HttpsAnswer> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null) throw new Error(`node exited:\n${node.output()}`);
    try {
      const r = await httpsGet(node.port, '/healthz', ca);
      if (r.status === 200) return r;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`node not healthy over HTTPS:\n${node.output()}`);
}

let dir: string;
let ca: TestCa;
let caPem: Buffer;
let first: Leaf;
let second: Leaf;
let third: Leaf;
let otherCa: TestCa;

before(() => {
  dir = makeTempDir('careledger-tls-');
  ca = makeCa(dir, 'test-ca');
  caPem = readFileSync(ca.certFile);
  first = makeLeaf(ca, 'node-a', 'serverAuth');
  second = makeLeaf(ca, 'node-b', 'serverAuth');
  third = makeLeaf(ca, 'node-c', 'serverAuth');
  otherCa = makeCa(dir, 'other-ca');
});
after(() => removeDir(dir));

void test('HTTPS: verified with the CA, refused without it, HTTP/2 by ALPN, HSTS, plain HTTP refused, rotation without restart', async () => {
  const live = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key') };
  copyFileSync(first.certFile, live.certFile);
  copyFileSync(first.keyFile, live.keyFile);
  const node = spawnNode(join(dir, 'node'), await freePort(), ['--tls-cert', live.certFile, '--tls-key', live.keyFile]);
  let session: ClientHttp2Session | undefined;
  try {
    const health = await waitHttps(node, caPem);
    assert.equal(health.headers['strict-transport-security'], 'max-age=31536000');
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');

    // Without the consortium CA (Node's public roots only) the certificate is refused.
    await assert.rejects(httpsGet(node.port, '/healthz', undefined), (e: NodeJS.ErrnoException) => e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // With another CA, too.
    await assert.rejects(httpsGet(node.port, '/healthz', readFileSync(otherCa.certFile)), (e: NodeJS.ErrnoException) => e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // Plain HTTP on the TLS port gets no answer.
    await assert.rejects(fetch(`http://127.0.0.1:${node.port}/healthz`, { signal: AbortSignal.timeout(5_000) }));

    // HTTP/2 negotiated by ALPN, HSTS on its responses too.
    session = http2Connect(`https://127.0.0.1:${node.port}`, { ca: caPem });
    await new Promise<void>((resolve, reject) => {
      session?.once('connect', () => resolve());
      session?.once('error', reject);
    });
    assert.equal(session.alpnProtocol, 'h2');
    const h2 = await h2Get(session, '/healthz');
    assert.equal(h2.status, 200);
    assert.equal(h2.hsts, 'max-age=31536000');
    assert.equal(await servedCn(node.port, caPem), 'node-a');

    // Rotation on SIGHUP: new connections get the new certificate, the open HTTP/2 session keeps working.
    copyFileSync(second.certFile, live.certFile);
    copyFileSync(second.keyFile, live.keyFile);
    node.child.kill('SIGHUP');
    const deadline = Date.now() + 10_000;
    let cn = '';
    while (Date.now() < deadline && (cn = await servedCn(node.port, caPem)) !== 'node-b') await sleep(50);
    assert.equal(cn, 'node-b');
    assert.equal((await h2Get(session, '/healthz')).status, 200, 'the open session survived the reload');

    // Rotation on file change, no signal (the files are polled every 2 s).
    copyFileSync(third.keyFile, live.keyFile);
    copyFileSync(third.certFile, live.certFile);
    const deadline2 = Date.now() + 20_000;
    while (Date.now() < deadline2 && (cn = await servedCn(node.port, caPem)) !== 'node-c') await sleep(200);
    assert.equal(cn, 'node-c');
    assert.equal(node.child.exitCode, null, 'no restart');
    assert.match(node.output(), /TLS certificate reloaded \(SIGHUP\)/);
    assert.match(node.output(), /TLS certificate reloaded \(file changed\)/);
  } finally {
    session?.close();
    await stopNode(node);
  }
});

void test('a mismatched key is refused at start with a clear error', async () => {
  const node = spawnNode(join(dir, 'mismatch'), await freePort(), ['--tls-cert', first.certFile, '--tls-key', second.keyFile]);
  const r = await node.exited;
  assert.notEqual(r.code, 0);
  assert.match(node.output(), /the TLS key does not match the certificate/);
});

void test('plain HTTP off loopback is refused without --insecure-http, before anything is written', async () => {
  const dataDir = join(dir, 'plain');
  const r = await runCli(['start', '--data-dir', dataDir, '--port', '0', '--host', '0.0.0.0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0/);
  assert.equal(existsSync(dataDir), false);
  const half = await runCli(['start', '--data-dir', dataDir, '--port', '0', '--tls-cert', first.certFile]);
  assert.notEqual(half.code, 0);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  assert.equal(existsSync(dataDir), false);
});
