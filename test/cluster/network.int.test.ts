// A three-organisation consortium as it runs in production: three etcd
// members and THREE NODE PROCESSES (`careledger start --orderer etcd`) on
// loopback, one organisation each, created by initConsortium (one genesis
// ordered through etcd). Checks: identical blocks and checkpoints on every
// node with peer cosignatures; ordering survives a lost etcd member; a stopped
// node catches up on restart, also from a peer after its batches were pruned,
// and its data dir verifies offline; a node whose state was altered on disk
// is reported as diverged by the others within one witness round.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { parseCheckpoint, verifyCheckpointSignatures } from '../../src/ledger/index.js';
import { paths } from '../../src/node/index.js';
import { initConsortium, type OrgDataDir } from '../../src/node/wiring/network-init.js';
import { EtcdOrderer } from '../../src/ordering/index.js';
import { selfEnrolment, type SignedTx } from '../helpers/load.js';
import { CLI, LOOPBACK, freePort, makeTempDir, removeDir, runCli } from '../helpers/proc.js';
import { startEtcdCluster, type EtcdCluster } from './etcd.js';
import { etcdSuiteSkip } from './etcd-suite.js';

const skip = etcdSuiteSkip();

const WITNESS_MS = 250;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Proc { child: ChildProcess; out: string; exited: Promise<void> }

async function until<T>(what: string | (() => string), timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

describe('three organisations, three node processes, one etcd cluster', { skip: skip ?? false, timeout: 150_000 }, () => {
  let cluster: EtcdCluster;
  let root: string;
  let orgs: OrgDataDir[] = [];
  const networkId = `cons-${randomBytes(3).toString('hex')}`;
  const ports: number[] = [];
  const procs: Array<Proc | undefined> = [undefined, undefined, undefined];
  const url = (i: number) => `http://${LOOPBACK}:${ports[i]}`;

  const spawnNode = (i: number): Proc => {
    const child = spawn(
      process.execPath,
      [CLI, 'start', '--orderer', 'etcd', '--etcd', cluster.hosts.join(','), '--witness-interval', String(WITNESS_MS),
        '--data-dir', orgs[i]!.dataDir, '--port', String(ports[i]), '--host', LOOPBACK, '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const p: Proc = { child, out: '', exited: new Promise((r) => child.once('exit', () => r())) };
    const keep = (c: Buffer) => (p.out = (p.out + c.toString('utf8')).slice(-8_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    procs[i] = p;
    return p;
  };
  const stopNode = async (i: number) => {
    const p = procs[i];
    procs[i] = undefined;
    if (!p || p.child.exitCode !== null) return;
    p.child.kill('SIGTERM');
    await Promise.race([p.exited, sleep(5_000).then(() => p.child.kill('SIGKILL'))]);
    await p.exited;
    assert.equal(p.child.signalCode, null, `node ${i + 1} did not stop on SIGTERM:\n${p.out}`);
  };
  const health = async (i: number) => {
    const res = await fetch(`${url(i)}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return { code: res.status, body: (await res.json()) as { status: string; height: number; proof?: [string, string] } };
  };
  const waitHealthy = (i: number, ms = 20_000) =>
    until(() => `node ${i + 1} healthy\n${procs[i]?.out ?? ''}`, ms, async () => ((await health(i)).code === 200 ? true : undefined));
  const nodeInfo = async (i: number) =>
    (await (await fetch(`${url(i)}/ledger/v1/node`)).json()) as { height: number; blockHash: string; logSize: number };
  const submit = async (i: number, txs: SignedTx[]) => {
    const res = await fetch(`${url(i)}/ledger/v1/transactions?wait=commit&timeoutMs=20000`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: `[${txs.map((t) => t.text).join(',')}]`,
    });
    const body = (await res.json()) as { results: Array<{ code: string }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.results.map((r) => r.code);
  };
  /**
   * As a client should while etcd elects a leader: a 503 ORDERING_UNAVAILABLE names
   * Retry-After, and resubmitting the same envelopes is safe (a committed one
   * answers its original result). Bounded: ten attempts.
   */
  const submitRetrying = async (i: number, txs: SignedTx[]) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${url(i)}/ledger/v1/transactions?wait=commit&timeoutMs=20000`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: `[${txs.map((t) => t.text).join(',')}]`,
      });
      const body = (await res.json()) as { results: Array<{ code: string }>; error?: { code: string } };
      if (res.status === 503 && attempt < 10) {
        assert.equal(body.error?.code, 'ORDERING_UNAVAILABLE', JSON.stringify(body));
        const retryAfter = Number(res.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${String(res.headers.get('retry-after'))}`);
        await sleep(retryAfter * 1000);
        continue;
      }
      assert.equal(res.status, 200, JSON.stringify(body));
      return body.results.map((r) => r.code);
    }
  };
  /** Waits until the given nodes report the same height and head hash; returns it. */
  const converged = (list: number[], ms = 20_000) =>
    until(`nodes ${list.map((i) => i + 1).join(',')} to converge`, ms, async () => {
      const infos = await Promise.all(list.map(nodeInfo));
      return new Set(infos.map((x) => `${x.height}:${x.blockHash}`)).size === 1 ? infos[0] : undefined;
    });
  const checkpointBody = async (i: number) => (await (await fetch(`${url(i)}/ledger/v1/checkpoint`)).text()).split('\n\n')[0];
  const nodeKeys = () => orgs.map((o) => o.nodeKeyId);

  before(async () => {
    cluster = await startEtcdCluster(3);
    root = makeTempDir('careledger-consortium-');
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    const r = await initConsortium({
      networkId,
      etcd: cluster.hosts,
      orgs: [0, 1, 2].map((i) => ({ orgId: `org${i + 1}`, name: `Org ${i + 1}`, endpoint: url(i), dataDir: join(root, `org${i + 1}`) })),
    });
    orgs = r.orgs;
  });

  after(async () => {
    await Promise.allSettled([0, 1, 2].map(stopNode));
    for (const p of procs) p?.child.kill('SIGKILL');
    await cluster?.stop();
    if (root) removeDir(root);
  });

  test('every node commits the same blocks; checkpoints carry the block and are cosigned by both peers', async () => {
    const t0 = Date.now();
    [0, 1, 2].forEach(spawnNode);
    await Promise.all([0, 1, 2].map((i) => waitHealthy(i)));
    const startMs = Date.now() - t0;
    const t1 = Date.now();
    const codes = await Promise.all([0, 1, 2].map((i) => submit(i, Array.from({ length: 10 }, () => selfEnrolment(networkId)))));
    assert.deepEqual(codes.flat(), Array(30).fill('OK'));
    const head = await converged([0, 1, 2]);
    const commitMs = Date.now() - t1;
    assert.equal(head.logSize, 31);
    const bodies = await Promise.all([0, 1, 2].map(checkpointBody));
    assert.equal(new Set(bodies).size, 1);
    assert.match(bodies[0]!, new RegExp(`\\ncareledger-block ${head.height} ${head.blockHash}$`));
    // Witnessing: each node ends up holding both peers' signatures on its latest note.
    const t2 = Date.now();
    for (let i = 0; i < 3; i++) {
      await until(`node ${i + 1}'s head witnessed by both peers`, 10_000, async () => {
        const res = await fetch(`${url(i)}/ledger/v1/checkpoint/witnessed`);
        const text = await res.text();
        if (!res.ok) return undefined;
        const parsed = parseCheckpoint(text);
        return parsed.block?.hash === head.blockHash && verifyCheckpointSignatures(parsed, nodeKeys()).length === 3 ? true : undefined;
      });
    }
    console.log(`# consortium: 3 nodes healthy in ${startMs} ms; 30 txs committed on all in ${commitMs} ms; cosigned by all within ${Date.now() - t2} ms`);
  });

  test('ordering goes on with one etcd member down', async () => {
    await cluster.kill(1);
    try {
      // A leader election may answer 503 ORDERING_UNAVAILABLE with Retry-After first (docs/operations.md).
      const codes = await submitRetrying(2, [selfEnrolment(networkId), selfEnrolment(networkId)]);
      assert.deepEqual(codes, ['OK', 'OK']);
      await converged([0, 1, 2]);
    } finally {
      await cluster.restart(1);
    }
  });

  test('a stopped node does not stop the others and catches up on restart', async () => {
    await stopNode(2);
    assert.deepEqual(await submit(0, [selfEnrolment(networkId)]), ['OK']);
    assert.deepEqual(await submit(1, [selfEnrolment(networkId)]), ['OK']);
    spawnNode(2);
    await waitHealthy(2);
    await converged([0, 1, 2]);
  });

  test('after its batches were pruned, a restarted node catches up from a peer and verifies', async () => {
    await stopNode(2);
    const before = await nodeInfo(0);
    for (let k = 0; k < 3; k++) assert.deepEqual(await submit(k % 2, [selfEnrolment(networkId)]), ['OK']);
    await converged([0, 1]);
    // Prune everything the two live nodes applied (node 3's lease was revoked when it stopped).
    const db = new Database(paths(orgs[2]!.dataDir).ledger, { readonly: true });
    const stoppedSeq = (db.prepare('SELECT max(orderer_seq) AS s FROM blocks').get() as { s: number }).s;
    db.close();
    const compactor = new EtcdOrderer({ hosts: cluster.hosts, networkId, nodeId: 'test-compactor' });
    const pruned = await until('pruning past the stopped node', 15_000, async () => {
      const p = await compactor.compact();
      return p !== undefined && p > stoppedSeq ? p : undefined;
    }).finally(() => compactor.close());
    const t0 = Date.now();
    const p = spawnNode(2);
    await waitHealthy(2, 30_000);
    const head = await converged([0, 1, 2]);
    assert.ok(head.height >= before.height + 3);
    assert.match(p.out, /caught up \d+ blocks from http/);
    console.log(`# catch-up from a peer after pruning through seq ${pruned}: healthy and verified in ${Date.now() - t0} ms`);
    const verify = await runCli(['verify', '--data-dir', orgs[2]!.dataDir, '--quiet']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^ok: /);
  });

  test('a node whose state was altered on disk is reported as diverged by the others', async () => {
    await stopNode(2);
    const db = new Database(paths(orgs[2]!.dataDir).ledger);
    const row = db.prepare("SELECT value FROM state WHERE ns = 'network' AND key = 'config'").get() as { value: string };
    const config = JSON.parse(row.value) as { timeWindowMs: number };
    db.prepare("UPDATE state SET value = ? WHERE ns = 'network' AND key = 'config'").run(JSON.stringify({ ...config, timeWindowMs: 1 }));
    db.close();
    spawnNode(2);
    await waitHealthy(2);
    const head = await converged([0, 1, 2]);
    // Signed 10 s ago: inside the real 300 s window, outside the altered 1 ms one.
    const stale = selfEnrolment(networkId, undefined, new Date(Date.now() - 10_000).toISOString());
    assert.deepEqual(await submit(0, [stale]), ['OK']);
    const t0 = Date.now();
    for (const i of [0, 1]) {
      const h = await until(`node ${i + 1} reports divergence`, 4 * WITNESS_MS + 3_000, async () => {
        const r = await health(i);
        return r.code === 503 && r.body.status === 'diverged' ? r.body : undefined;
      });
      const metrics = await (await fetch(`${url(i)}/metrics`)).text();
      assert.match(metrics, /^careledger_divergence 1$/m);
      const proof = (await (await fetch(`${url(i)}/ledger/v1/divergence`)).json()) as { height: number; orgId: string; notes: [string, string] };
      assert.deepEqual(h.proof, proof.notes);
      assert.equal(proof.orgId, 'org3');
      assert.equal(proof.height, head.height + 1);
      const [ours, theirs] = proof.notes.map(parseCheckpoint) as [ReturnType<typeof parseCheckpoint>, ReturnType<typeof parseCheckpoint>];
      assert.deepEqual(verifyCheckpointSignatures(ours, [orgs[i]!.nodeKeyId]), [orgs[i]!.nodeKeyId]);
      assert.deepEqual(verifyCheckpointSignatures(theirs, [orgs[2]!.nodeKeyId]), [orgs[2]!.nodeKeyId]);
      assert.equal(ours.treeSize, theirs.treeSize);
      assert.equal(ours.block?.height, theirs.block?.height);
      assert.notEqual(ours.block?.hash, theirs.block?.hash);
    }
    console.log(`# divergence reported by both other nodes within ${Date.now() - t0} ms (witness interval ${WITNESS_MS} ms)`);
  });
});
