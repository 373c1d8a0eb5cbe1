// The ordering cluster with mutual TLS and RBAC, on a real 3-member etcd
// (Debian's 3.4) with --client-cert-auth and --peer-client-cert-auth: a node
// presenting its consortium-issued client certificate orders and receives
// batches; a client without a certificate, or with a certificate from another
// consortium's CA, is refused; the node's user cannot write outside its
// network's prefix. And the limit of etcd 3.4's RBAC, pinned so an etcd
// upgrade that closes it shows up: "readwrite" lets the node user delete
// ordering keys, and compaction is not permission-checked (docs/tls.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { applyNodeRbac, etcdCredentials, etcdNodeUser, EtcdOrderer, startEtcdCluster, type EtcdClientTls, type EtcdCluster, type OrderedBatch } from '../../src/ordering/index.js';
import { etcdSuiteSkip } from '../cluster/etcd-suite.js';
import { makeTempDir, removeDir } from '../helpers/proc.js';
import { makeCa, makeLeaf } from './certs.js';

const skip = etcdSuiteSkip();
const NETWORK = 'tls-net';

void describe('etcd with mutual TLS and RBAC', { skip }, () => {
  let dir: string;
  let cluster: EtcdCluster;
  let rootTls: EtcdClientTls;
  let nodeTls: EtcdClientTls;
  let foreignTls: EtcdClientTls;
  const clients: Etcd3[] = [];
  const client = (tls: EtcdClientTls | undefined, caFile?: string): Etcd3 => {
    const c = new Etcd3({
      hosts: cluster.hosts,
      dialTimeout: 2_000,
      ...(tls ? etcdCredentials(tls) : { credentials: { rootCertificate: readFileSync(caFile ?? '') } }),
    });
    clients.push(c);
    return c;
  };
  const deadline = () => ({ deadline: Date.now() + 5_000 });

  before(async () => {
    dir = makeTempDir('careledger-etcd-tls-');
    const ca = makeCa(dir, 'consortium-ca');
    const member = makeLeaf(ca, 'etcd-member', 'serverAuth,clientAuth');
    const root = makeLeaf(ca, 'root', 'clientAuth');
    const node = makeLeaf(ca, etcdNodeUser(NETWORK, 'org1').user, 'clientAuth');
    const other = makeCa(dir, 'other-consortium-ca');
    const impostor = makeLeaf(other, etcdNodeUser(NETWORK, 'org1').user, 'clientAuth', 'impostor');
    rootTls = { caFile: ca.certFile, certFile: root.certFile, keyFile: root.keyFile };
    nodeTls = { caFile: ca.certFile, certFile: node.certFile, keyFile: node.keyFile };
    foreignTls = { caFile: ca.certFile, certFile: impostor.certFile, keyFile: impostor.keyFile };
    cluster = await startEtcdCluster(3, { tls: { caFile: ca.certFile, certFile: member.certFile, keyFile: member.keyFile, clientCertFile: root.certFile, clientKeyFile: root.keyFile } });
    assert.ok(cluster.hosts.every((h) => h.startsWith('https://127.0.0.1:')));
    await applyNodeRbac(client(rootTls), NETWORK, ['org1', 'org2']);
  });

  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    if (dir) removeDir(dir);
  });

  void test('a node with its client certificate orders and receives batches', async () => {
    const orderer = new EtcdOrderer({ hosts: cluster.hosts, tls: nodeTls, networkId: NETWORK, nodeId: 'node-org1', batchDelayMs: 1 });
    const got: OrderedBatch[] = [];
    orderer.start(0, async (b) => {
      got.push(b);
    });
    try {
      await orderer.submit([new TextEncoder().encode('first'), new TextEncoder().encode('second')]);
      const until = Date.now() + 15_000;
      while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.length, 1);
      assert.deepEqual(got[0]?.envelopes.map((e) => new TextDecoder().decode(e)), ['first', 'second']);
      assert.ok((got[0]?.seq ?? 0) > 0);
    } finally {
      await orderer.close();
    }
  });

  void test('no client certificate, or one from another consortium, is refused', async () => {
    // The TLS handshake fails (etcd wants a certificate from its CA), so no connection is ever established.
    const refused = (e: Error) => /UNAVAILABLE: No connection established[\s\S]*SSL alert/.test(e.message);
    await assert.rejects(client(undefined, rootTls.caFile).get(`/careledger/${NETWORK}/pruned`).options(deadline()).string(), refused);
    await assert.rejects(client(foreignTls).get(`/careledger/${NETWORK}/pruned`).options(deadline()).string(), refused);
    // The same client with the consortium's certificate reads.
    assert.equal(await client(nodeTls).get(`/careledger/${NETWORK}/pruned`).options(deadline()).string(), null);
  });

  void test('the node user reads and writes its network prefix only', async () => {
    const node = client(nodeTls);
    await node.put(`/careledger/${NETWORK}/nodes/probe`).value('1').options(deadline()).exec();
    assert.equal(await node.get(`/careledger/${NETWORK}/nodes/probe`).options(deadline()).string(), '1');
    await assert.rejects(node.put('/careledger/another-net/batches/x').value('1').options(deadline()).exec(), /permission denied/i);
    await assert.rejects(node.get('/careledger/another-net/pruned').options(deadline()).string(), /permission denied/i);
    await assert.rejects(node.put('/elsewhere').value('1').options(deadline()).exec(), /permission denied/i);
    // Deletes outside the prefix, or over a range wider than it, are refused too.
    await assert.rejects(node.delete().key('/careledger/another-net/pruned').options(deadline()).exec(), /permission denied/i);
    await assert.rejects(node.delete().prefix('/careledger/').options(deadline()).exec(), /permission denied/i);
    // Auth administration is root's: no new role, no role for itself, no auth off.
    await assert.rejects(node.role('mine').create(), /permission denied/i);
    await assert.rejects(node.user(etcdNodeUser(NETWORK, 'org1').user).addRole('root'), /permission denied/i);
    await assert.rejects(node.auth.authDisable({}), /permission denied/i);
  });

  void test("etcd 3.4's limit, pinned: readwrite includes delete, and compaction is not permission-checked", async () => {
    const node = client(nodeTls);
    // An ordered batch, as the orderer writes it (create-only put under batches/).
    const key = `/careledger/${NETWORK}/batches/doomed`;
    const put = await node.if(key, 'Create', '==', 0).then(node.put(key).value('batch')).options(deadline()).commit();
    assert.equal(put.succeeded, true);
    const del = await node.delete().key(key).options(deadline()).exec();
    assert.equal(del.deleted, '1', 'etcd 3.4 RBAC cannot refuse a delete of an ordering key to a user who may put it');
    await node.kv.compact({ revision: put.header.revision, physical: false }, deadline());
    // The history before that revision is gone for everyone, root included.
    await assert.rejects(client(rootTls).get(key).revision(Number(put.header.revision) - 1).options(deadline()).exec(), /compacted/i);
  });
});
