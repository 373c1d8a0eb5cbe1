// The consortium with TLS everywhere, set up the way an operator does it:
// `careledger init --network-genesis --dev-pki D --pki-only` writes the
// development PKI and the etcd RBAC script; a three-member etcd cluster runs
// with --client-cert-auth and --peer-client-cert-auth under that CA, with the
// node role and users in place (applyNodeRbac does what the script does:
// etcdctl is not installed here); `init --network-genesis --dev-pki D` orders
// the genesis with each org's TLS pin and saves tlsCa and orderer.tls in each
// network.json. Two nodes serve HTTPS only: they commit, witness each other's
// checkpoints over HTTPS, and a node whose ordering position was pruned (by
// the administrator, not a node) catches up from its peer over HTTPS checked
// against the CA and the peer's registered pin.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificatePin } from '../../src/crypto/index.js';
import { trustedRequest } from '../../src/exchange/index.js';
import { parseCheckpoint, verifyCheckpointSignatures } from '../../src/ledger/index.js';
import { readNetworkConfig, startDevEtcd } from '../../src/node/index.js';
import { Etcd3 } from 'etcd3';
import { EtcdOrderer, etcdCredentials, type EtcdCluster } from '../../src/ordering/index.js';
import { selfEnrolment, type SignedTx } from '../helpers/load.js';
import { LOOPBACK, freePort, makeTempDir, removeDir, runCli, spawnNode, stopNode, type NodeProcess } from '../helpers/proc.js';
import { etcdSuiteSkip } from '../cluster/etcd-suite.js';

const skip = etcdSuiteSkip();
const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface InitOrg { orgId: string; dataDir: string; nodeKeyId: string }
interface InitOut { networkId: string; orgs: InitOrg[]; tls: { ca: string; rbacScript: string; orgs: Array<{ orgId: string; tlsCert: string; tlsKey: string; pin: string; etcdCert: string }> } }

describe('a consortium with TLS everywhere, from init --dev-pki', { skip: skip ?? false, timeout: 180_000 }, () => {
  const networkId = `tls-${randomBytes(3).toString('hex')}`;
  let root = '';
  let pkiDir = '';
  let genesisFile = '';
  let cluster: EtcdCluster | undefined;
  let init: InitOut;
  let ca: Buffer;
  const ports: number[] = [];
  const nodes: Array<NodeProcess | undefined> = [undefined, undefined];
  const url = (i: number) => `https://${LOOPBACK}:${ports[i]}`;
  const logs = () => nodes.map((n, i) => `--- node ${i + 1}:\n${n?.output() ?? '(not running)'}`).join('\n');

  const request = async (i: number, path: string, method: 'GET' | 'POST' = 'GET', body?: string) => {
    const r = await trustedRequest(new URL(path, url(i)), { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }), timeoutMs: 25_000, maxBytes: 1 << 24 }, { anchors: ca });
    return { status: r.status, text: r.text };
  };
  const info = async (i: number) => JSON.parse((await request(i, '/ledger/v1/node')).text) as { height: number; blockHash: string; logSize: number };
  const until = async <T>(what: () => string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      await sleep(100);
    }
  };
  const start = (i: number) => {
    const o = init.tls.orgs[i]!;
    nodes[i] = spawnNode(init.orgs[i]!.dataDir, ports[i]!, ['--tls-cert', o.tlsCert, '--tls-key', o.tlsKey]);
    return until(() => `node ${i + 1} healthy\n${logs()}`, async () => ((await request(i, '/healthz')).status === 200 ? true : undefined));
  };
  const submit = async (i: number, txs: SignedTx[]) => {
    const r = await request(i, '/ledger/v1/transactions?wait=commit&timeoutMs=20000', 'POST', `[${txs.map((t) => t.text).join(',')}]`);
    assert.equal(r.status, 200, r.text);
    return (JSON.parse(r.text) as { results: Array<{ code: string }> }).results.map((x) => x.code);
  };
  const converged = () =>
    until(() => `both nodes at one head\n${logs()}`, async () => {
      const [a, b] = await Promise.all([info(0), info(1)]);
      return a.height === b.height && a.blockHash === b.blockHash ? a : undefined;
    });

  before(async () => {
    root = makeTempDir('careledger-tls-net-');
    pkiDir = join(root, 'pki');
    for (let i = 0; i < 2; i++) ports.push(await freePort());
    genesisFile = join(root, 'genesis.json');
    writeFileSync(genesisFile, JSON.stringify({ networkId, orgs: [0, 1].map((i) => ({ orgId: `org${i + 1}`, endpoint: url(i), dataDir: join(root, `org${i + 1}`) })) }));
  });

  after(async () => {
    await Promise.allSettled(nodes.map((n) => (n ? stopNode(n) : undefined)));
    await cluster?.stop();
    if (root) removeDir(root);
  });

  test('init --dev-pki --pki-only: the CA, member, root and per-org certificates, private keys 0600, and the etcd RBAC script', async () => {
    const r = await runCli(['init', '--network-genesis', genesisFile, '--dev-pki', pkiDir, '--pki-only', '--etcd', 'https://127.0.0.1:2379']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /--client-cert-auth/);
    assert.match(r.stdout, /--peer-client-cert-auth/);
    for (const f of ['ca', 'etcd-member', 'root', 'org1/server', 'org1/etcd-client', 'org2/server', 'org2/etcd-client']) {
      assert.equal(statSync(join(pkiDir, `${f}.key`)).mode & 0o777, 0o600, f);
      assert.ok(statSync(join(pkiDir, `${f}.crt`)).size > 0, f);
    }
    const script = readFileSync(join(pkiDir, 'etcd-rbac.sh'), 'utf8');
    const ctl = `etcdctl --endpoints https://127.0.0.1:2379 --cacert ${pkiDir}/ca.crt --cert ${pkiDir}/root.crt --key ${pkiDir}/root.key`;
    for (const line of [
      `${ctl} role add careledger-${networkId}-node`,
      `${ctl} role grant-permission careledger-${networkId}-node --prefix=true readwrite /careledger/${networkId}/`,
      `${ctl} user grant-role careledger-${networkId}-org1 careledger-${networkId}-node`,
      `${ctl} user grant-role careledger-${networkId}-org2 careledger-${networkId}-node`,
    ]) assert.ok(script.split('\n').includes(line), `${line}\nnot in\n${script}`);
    assert.match(script, /auth enable/);
    // Nothing was ordered: no data directory yet.
    assert.throws(() => statSync(join(root, 'org1', 'node.json')));
  });

  test('init --dev-pki orders the genesis with each org\'s pin; network.json names the CA and the etcd client certificate', async () => {
    cluster = (await startDevEtcd(pkiDir, networkId, ['org1', 'org2'])).cluster;
    const r = await runCli(['init', '--network-genesis', genesisFile, '--dev-pki', pkiDir, '--etcd', cluster.hosts.join(',')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    init = JSON.parse(r.stdout) as InitOut;
    ca = readFileSync(init.tls.ca);
    for (const [i, org] of init.orgs.entries()) {
      const settings = readNetworkConfig(org.dataDir);
      assert.equal(settings?.tlsCa, join(pkiDir, 'ca.crt'));
      assert.deepEqual(settings?.orderer, { kind: 'etcd', hosts: cluster.hosts, tls: { caFile: join(pkiDir, 'ca.crt'), certFile: join(pkiDir, `org${i + 1}`, 'etcd-client.crt'), keyFile: join(pkiDir, `org${i + 1}`, 'etcd-client.key') } });
      assert.equal(init.tls.orgs[i]!.pin, certificatePin(readFileSync(init.tls.orgs[i]!.tlsCert)));
    }
  });

  test('two HTTPS nodes on the TLS cluster commit and witness each other; the governance record carries each pin', async () => {
    await Promise.all([start(0), start(1)]);
    assert.deepEqual(await submit(0, [selfEnrolment(networkId), selfEnrolment(networkId)]), ['OK', 'OK']);
    assert.deepEqual(await submit(1, [selfEnrolment(networkId)]), ['OK']);
    const head = await converged();
    const org1 = JSON.parse((await request(1, '/ledger/v1/orgs/org1')).text) as { tlsPins?: string[]; endpoint: string };
    assert.deepEqual([org1.endpoint, org1.tlsPins], [url(0), [init.tls.orgs[0]!.pin]]);
    const nodeKeys = init.orgs.map((o) => o.nodeKeyId);
    for (const i of [0, 1]) {
      await until(() => `node ${i + 1}'s head cosigned by both\n${logs()}`, async () => {
        const r = await request(i, '/ledger/v1/checkpoint/witnessed');
        if (r.status !== 200) return undefined;
        const parsed = parseCheckpoint(r.text);
        return parsed.block?.hash === head.blockHash && verifyCheckpointSignatures(parsed, nodeKeys).length === 2 ? true : undefined;
      });
    }
  });

  test('pruned by the administrator while node 2 was down, node 2 catches up from node 1 over HTTPS', async () => {
    const down = nodes[1]!;
    nodes[1] = undefined;
    assert.equal((await stopNode(down)).code, 0, down.output());
    assert.deepEqual(await submit(0, [selfEnrolment(networkId), selfEnrolment(networkId)]), ['OK', 'OK']);
    // Pruning is the administrator's (root's certificate), not a node's.
    const pruner = new EtcdOrderer({ hosts: cluster!.hosts, tls: { caFile: join(pkiDir, 'ca.crt'), certFile: join(pkiDir, 'root.crt'), keyFile: join(pkiDir, 'root.key') }, networkId, nodeId: 'pruner' });
    const admin = new Etcd3({ hosts: cluster!.hosts, ...etcdCredentials({ caFile: join(pkiDir, 'ca.crt'), certFile: join(pkiDir, 'root.crt'), keyFile: join(pkiDir, 'root.key') }) });
    try {
      // Node 1 reports its applied position every so often: prune until the newest batch is gone too.
      const newest = await admin.getAll().prefix(`/careledger/${networkId}/batches/`).sort('Mod', 'Descend').limit(1).exec();
      const last = Number(newest.kvs[0]?.mod_revision ?? 0);
      await until(() => `pruning through batch ${last}`, async () => (((await pruner.compact()) ?? 0) >= last ? true : undefined));
    } finally {
      admin.close();
      await pruner.close();
    }
    await start(1);
    const head = await converged();
    assert.equal(head.logSize, 6); // genesis and five enrolments
    assert.match(nodes[1]!.output(), /catching up from a peer/);
    assert.match(nodes[1]!.output(), new RegExp(`caught up \\d+ blocks from ${url(0).replace(/\./g, '\\.')}`));
  });

  test('init --join --dev-pki: the joining org\'s certificates from the same CA, its pin in the admit-org payload, its two etcd user lines', async () => {
    const dataDir = join(root, 'org3');
    const endpoint = `https://${LOOPBACK}:${await freePort()}`;
    const r = await runCli(['init', '--join', '--data-dir', dataDir, '--network', networkId, '--org', 'org3', '--endpoint', endpoint, '--etcd', cluster!.hosts.join(','), '--peer', url(0), '--dev-pki', pkiDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const payload = JSON.parse(/admit-org proposal payload:\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1] ?? 'null') as { tlsPins?: string[] };
    assert.deepEqual(payload.tlsPins, [certificatePin(readFileSync(join(pkiDir, 'org3', 'server.crt')))]);
    assert.match(r.stdout, new RegExp(`--tls-cert ${pkiDir}/org3/server\\.crt --tls-key ${pkiDir}/org3/server\\.key`));
    const settings = readNetworkConfig(dataDir);
    assert.equal(settings?.tlsCa, join(pkiDir, 'ca.crt'));
    assert.equal(settings?.orderer.kind === 'etcd' ? settings.orderer.tls?.certFile : undefined, join(pkiDir, 'org3', 'etcd-client.crt'));
    const lines = readFileSync(join(pkiDir, 'org3', 'etcd-rbac.sh'), 'utf8').split('\n').filter((l) => l.startsWith('etcdctl'));
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`user add careledger-${networkId}-org3 --new-user-password`));
    assert.match(lines[1]!, new RegExp(`user grant-role careledger-${networkId}-org3 careledger-${networkId}-node$`));
  });
});
