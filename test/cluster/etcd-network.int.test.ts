// Three LedgerNodes ordered by one 3-member etcd cluster (ARCHITECTURE
// section 3: one code path, two scales).
//
// How the network is made: one organisation (org1) with one admin key held
// by the test and three nodes, each with its own data dir, SQLite store and
// node key (sealed in keys/keyring.sealed; here it only signs checkpoints) and the same
// node.json network id. All three start from an EMPTY ledger, opened with
// openNode(dir, { orderer: (store) => new EtcdOrderer(...) }). The genesis
// transaction (governance/genesis listing all three node keys) is signed by
// the admin key and submitted through node 1, so it is ordered by etcd like
// any other batch and every node commits it as block 0 itself. initDevNetwork
// is not used: it commits genesis through the solo orderer, whose sequence
// numbers mean nothing to etcd.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKey, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { parseEnvelope, signTx } from '../../src/ledger/index.js';
import { generateHpkeKey, writeNodeConfig } from '../../src/node/wiring/datadir.js';
import { createNodeKeyring } from '../../src/node/wiring/keystore.js';
import { closeNode, openNode, type OpenedNode } from '../../src/node/index.js';
import { EtcdOrderer } from '../../src/ordering/index.js';
import { selfEnrolment, type SignedTx } from '../helpers/load.js';
import { startEtcdCluster, type EtcdCluster } from './etcd.js';
import { etcdSuiteSkip } from './etcd-suite.js';

const skip = etcdSuiteSkip();

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${describeState()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let describeState = (): string => '';
const item = (t: SignedTx) => parseEnvelope(t.envelope);
/** The checkpoint body (origin, tree size, root) without the node's signature line. */
const checkpointBody = (n: OpenedNode) => n.node.checkpoint.split('\n\n')[0];

describe('three ledger nodes on one etcd cluster', { skip: skip ?? false, timeout: 80_000 }, () => {
  let cluster: EtcdCluster;
  let root: string;
  const networkId = `net-${randomBytes(4).toString('hex')}`;
  const dirs: string[] = [];
  const nodeKeys: SigningKey[] = [];
  const nodes: Array<OpenedNode | undefined> = [];
  const admin = generateSigningKey();

  const orderers: EtcdOrderer[] = [];
  const open = (i: number): OpenedNode => {
    const opened = openNode(dirs[i]!, {
      verifyWorkers: 0,
      // 60 and then 30 self-enrolments in quick succession: no self-enrolment quota here.
      limits: { selfEnrolment: null },
      orderer: (store) =>
        (orderers[i] = new EtcdOrderer({
          hosts: cluster.hosts,
          networkId,
          nodeId: `node${i + 1}`,
          appliedSeq: () => store.head()?.ordererSeq ?? 0,
          reportIntervalMs: 50,
          leaseTtlSeconds: 5,
        })),
    });
    nodes[i] = opened;
    return opened;
  };

  describeState = () =>
    nodes.map((n, i) => `node${i + 1}: height ${n?.node.head.height ?? '-'} seq ${n?.store.head()?.ordererSeq ?? '-'} orderer at ${orderers[i]?.position ?? '-'}`).join('; ');

  before(async () => {
    cluster = await startEtcdCluster(3);
    root = mkdtempSync(join(tmpdir(), 'careledger-net-'));
    for (let i = 0; i < 3; i++) {
      const dir = join(root, `node${i + 1}`);
      const key = createNodeKeyring(dir, { kind: 'file' }).nodeKey;
      writeNodeConfig(dir, { networkId, orgId: 'org1', endpoint: `http://127.0.0.1:${18080 + i}`, createdAt: new Date().toISOString() });
      dirs.push(dir);
      nodeKeys.push(key);
    }
  });

  after(async () => {
    await Promise.allSettled(nodes.map((n) => n && closeNode(n)));
    await cluster?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const heads = () => nodes.map((n) => n?.node.head);
  /** Every given node is open, has committed `txCount` transactions, and has the same head hash. */
  const converged = (list: Array<OpenedNode | undefined>, txCount: number) =>
    list.every((n) => n?.store.txCount() === txCount) && new Set(list.map((n) => n?.node.head.hash)).size === 1;

  function assertSameChain(a: OpenedNode, b: OpenedNode): void {
    assert.equal(a.node.head.height, b.node.head.height);
    for (let h = 0; h <= a.node.head.height; h++) {
      const x = a.store.getBlock(h);
      const y = b.store.getBlock(h);
      assert.ok(x && y, `block ${h} on both`);
      assert.equal(x.hash, y.hash, `hash at height ${h}`);
      assert.equal(x.ordererSeq, y.ordererSeq, `orderer seq at height ${h}`);
    }
    assert.equal(checkpointBody(a), checkpointBody(b));
  }

  test('genesis through etcd, then every node reaches the same blocks and checkpoints', async () => {
    for (let i = 0; i < 3; i++) open(i);
    const hpke = generateHpkeKey();
    const genesis = parseEnvelope(
      signTx(
        {
          network: networkId,
          contract: 'governance',
          action: 'genesis',
          args: {
            networkId,
            orgs: [
              {
                orgId: 'org1',
                name: 'Org One',
                adminKeys: [admin.keyId],
                nodeKeys: nodeKeys.map((k) => k.keyId),
                hpkePublicKey: toBase64Url(hpke.publicKey),
                endpoint: 'http://127.0.0.1:18080',
              },
            ],
          },
        },
        admin,
      ),
    );
    const [result] = (await nodes[0]!.node.submit([genesis], { wait: true, timeoutMs: 15_000 })) ?? [];
    assert.equal(result?.code, 'OK');
    await waitUntil(() => heads().every((h) => h?.height === 0), 10_000, 'genesis on every node');

    // Signed transactions submitted to all three nodes.
    const txs = Array.from({ length: 60 }, () => selfEnrolment(networkId));
    const t0 = performance.now();
    const results = await Promise.all(
      txs.map((t, i) => nodes[i % 3]!.node.submit([item(t)], { wait: true, timeoutMs: 20_000 })),
    );
    console.log(`# 3 nodes on etcd: 60 transactions committed in ${Math.round(performance.now() - t0)} ms`);
    assert.ok(results.every((r) => r?.[0]?.code === 'OK'), JSON.stringify(results.map((r) => r?.[0]?.code)));
    // Results came from the submitting nodes; wait until every node committed all 61.
    await waitUntil(() => converged(nodes, 61), 10_000, 'the same head on every node');
    assertSameChain(nodes[0]!, nodes[1]!);
    assertSameChain(nodes[0]!, nodes[2]!);
    for (let i = 0; i < 3; i++) assert.equal(nodes[i]!.store.txCount(), 61);
  });

  test('a stopped node restarts and catches up to the same head', async () => {
    await closeNode(nodes[2]!);
    nodes[2] = undefined;
    const txs = Array.from({ length: 30 }, () => selfEnrolment(networkId));
    const results = await Promise.all(txs.map((t, i) => nodes[i % 2]!.node.submit([item(t)], { wait: true, timeoutMs: 20_000 })));
    assert.ok(results.every((r) => r?.[0]?.code === 'OK'));
    // A retried submission of a committed envelope answers its original result and orders nothing.
    await waitUntil(() => converged(nodes.slice(0, 2), 91), 10_000, 'node 2 to catch up');
    const again = await nodes[1]!.node.submit([item(txs[0]!)], { wait: true, timeoutMs: 20_000 });
    assert.deepEqual(again, results[0]);
    const behind = open(2);
    await waitUntil(() => converged(nodes, 91), 15_000, 'the restarted node to catch up');
    assertSameChain(nodes[0]!, behind);
    assertSameChain(nodes[0]!, nodes[1]!);
    assert.equal(behind.store.txCount(), 91);
  });
});
