// The fault-injection suite (docs/operations.md): a real three-member etcd
// cluster and three node processes on loopback, under a bounded load of
// self-enrolments from three clients that act on every answer as a client
// should (wait Retry-After, resubmit the same envelopes). Each fault in turn:
// pause and resume the etcd leader, a follower, two members (no quorum), a
// node; SIGKILL a node and restart it; restart an etcd member with its data;
// fill a node's storage quota (--storage-limit: SQLite's max_page_count, the
// same SQLITE_FULL as a full disk; no root or tmpfs needed). After each:
// every acknowledged transaction is on every node exactly once, every
// doubtful one once or not at all, the nodes converge to the same head and
// checkpoint, /readyz is 200 everywhere, and the clients saw only catalogue
// codes (no 500). At the end `careledger verify` passes on every data dir.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESULT_CODES } from '../../src/errors/index.js';
import { etcdSuiteSkip } from '../cluster/etcd-suite.js';
import { selfEnrolment } from '../helpers/load.js';
import { runCli } from '../helpers/proc.js';
import { sleep, startConsortium, until, type Consortium } from './consortium.js';
import { checkLedgers, startLoad, type LoadBook } from './load.js';

const skip = etcdSuiteSkip();

interface Ready {
  status: string;
  checks: Record<string, string>;
  reasons?: string[];
}

describe('faults under load: answers, health and the ledger', { skip: skip ?? false, timeout: 360_000 }, () => {
  let c: Consortium;
  const t0 = Date.now();

  const ready = async (i: number): Promise<{ code: number; body: Ready }> => {
    const res = await fetch(`${c.url(i)}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return { code: res.status, body: (await res.json()) as Ready };
  };
  let lastReady = '';
  const allReady = (ms = 15_000) =>
    until(() => `every node ready (last: ${lastReady})`, ms, async () => {
      const all = await Promise.all([0, 1, 2].map(ready));
      lastReady = all.map((r, i) => `node ${i + 1} ${r.code} ${r.body.reasons?.join(', ') ?? ''}`).join('; ');
      return all.every((r) => r.code === 200) ? true : undefined;
    });
  const checkpointBody = async (i: number) => (await (await fetch(`${c.url(i)}/ledger/v1/checkpoint`)).text()).split('\n\n')[0];

  /** Asserts what must hold after every fault. */
  async function settle(name: string, book: LoadBook, started: number): Promise<void> {
    assert.deepEqual(book.problems, [], `${name}: answers outside the contract`);
    for (const code of book.errorCodes) assert.ok(Object.hasOwn(RESULT_CODES, code));
    assert.ok(!book.statuses.has(500), `${name}: a 500 was answered`);
    await allReady();
    const head = await c.converged();
    let problems: string[] = [];
    await until(() => `${name}: ledgers agree with the clients' book: ${problems.slice(0, 5).join('; ')}`, 20_000, async () => {
      problems = checkLedgers(c, book, [0, 1, 2]);
      return problems.length === 0 ? true : undefined;
    });
    const final = await c.converged();
    const bodies = await Promise.all([0, 1, 2].map(checkpointBody));
    assert.equal(new Set(bodies).size, 1, `${name}: checkpoints differ`);
    assert.ok(final.height >= head.height);
    const statuses = [...book.statuses].sort().map(([s, n]) => `${s}x${n}`).join(' ');
    console.log(
      `# ${name}: ${book.acked.size} acknowledged, ${book.doubtful.size} doubtful, answers ${statuses}, ` +
        `codes ${[...book.errorCodes].join(',') || '-'}, slowest 503/504 ${book.slowestRefusalMs} ms, head ${final.height}, ${Date.now() - started} ms`,
    );
  }

  /** Runs `fault` under load, then checks the ledgers. */
  async function underLoad(name: string, fault: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const load = startLoad(c);
    try {
      await sleep(800);
      await fault();
      await sleep(800);
    } finally {
      await load.stop();
    }
    await settle(name, load.book, started);
  }

  before(async () => {
    c = await startConsortium();
    await Promise.all([0, 1, 2].map((i) => c.startNode(i)));
    console.log(`# consortium up in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await c?.stop();
  });

  test('the etcd leader paused and resumed', () =>
    underLoad('etcd leader paused 3 s', async () => {
      const leader = await c.etcdLeader();
      c.pauseEtcd(leader);
      await sleep(3_000);
      c.resumeEtcd(leader);
    }));

  test('an etcd follower paused and resumed', () =>
    underLoad('etcd follower paused 3 s', async () => {
      const follower = ((await c.etcdLeader()) + 1) % 3;
      c.pauseEtcd(follower);
      await sleep(3_000);
      c.resumeEtcd(follower);
    }));

  test('no quorum: 503 ORDERING_UNAVAILABLE with Retry-After within 2 s, /readyz 503 naming the orderer, /healthz 200; ready again within 5 s', () =>
    underLoad('two etcd members paused 5 s (no quorum)', async () => {
      const leader = await c.etcdLeader();
      const others = [0, 1, 2].filter((m) => m !== leader);
      others.forEach((m) => c.pauseEtcd(m));
      try {
        await sleep(300);
        const probe = selfEnrolment(c.networkId);
        const s0 = Date.now();
        const res = await fetch(`${c.url(0)}/ledger/v1/transactions?wait=commit`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: probe.text, signal: AbortSignal.timeout(10_000),
        });
        const ms = Date.now() - s0;
        const body = (await res.json()) as { error: { code: string }; results: Array<{ txId: string; status: string }> };
        assert.equal(res.status, 503, JSON.stringify(body));
        assert.equal(body.error.code, 'ORDERING_UNAVAILABLE');
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        assert.equal(body.results[0]?.txId, probe.txId);
        assert.ok(['unknown', 'not-ordered'].includes(body.results[0]!.status));
        assert.ok(ms < 2_000, `503 after ${ms} ms`);
        const notReady = await until('/readyz 503 naming the orderer', 5_000, async () => {
          const r = await ready(1);
          return r.code === 503 && r.body.checks['orderer'] === 'failing' ? r.body : undefined;
        });
        assert.match(notReady.reasons?.join(' ') ?? '', /^orderer: /);
        const live = await fetch(`${c.url(1)}/healthz`);
        assert.equal(live.status, 200);
        const metrics = await (await fetch(`${c.url(1)}/metrics`)).text();
        assert.match(metrics, /^careledger_orderer_up 0$/m);
        console.log(`# no quorum: 503 ORDERING_UNAVAILABLE in ${ms} ms (${body.results[0]!.status}); /readyz: ${notReady.reasons?.join('; ')}`);
        await sleep(3_000);
      } finally {
        others.forEach((m) => c.resumeEtcd(m));
      }
      const r0 = Date.now();
      await allReady(5_000);
      console.log(`# quorum back: every node ready in ${Date.now() - r0} ms`);
    }));

  test('a node paused and resumed', () =>
    underLoad('node 2 paused 3 s', async () => {
      c.pauseNode(1);
      await sleep(3_000);
      c.resumeNode(1);
    }));

  test('a node SIGKILLed and restarted', () =>
    underLoad('node 3 SIGKILLed and restarted', async () => {
      await c.stopNode(2, 'SIGKILL');
      await sleep(1_000);
      await c.startNode(2);
    }));

  test('an etcd member restarted with its data', () =>
    underLoad('etcd leader killed and restarted with its data', async () => {
      const leader = await c.etcdLeader();
      await c.etcd.restart(leader);
    }));

  test('a node whose storage quota fills: not ready naming the storage, no 500, restarts with room and catches up', () =>
    underLoad('node 3 storage quota full', async () => {
      await c.stopNode(2);
      const limit = c.ledgerBytes(2) + 32 * 1024;
      await c.startNode(2, ['--storage-limit', String(Math.max(limit, 64 * 1024))], false);
      const full = await until('/readyz 503 naming the storage', 30_000, async () => {
        const r = await ready(2);
        return r.code === 503 && r.body.checks['storage'] === 'failing' ? r.body : undefined;
      });
      assert.match(full.reasons?.join(' ') ?? '', /storage: writes fail with SQLITE_FULL/);
      const metrics = await (await fetch(`${c.url(2)}/metrics`)).text();
      assert.match(metrics, /^careledger_storage_fault 1$/m);
      console.log(`# storage quota: /readyz: ${full.reasons?.join('; ')}`);
      const stopped = c.node(2)!;
      await c.stopNode(2); // SIGTERM while a commit waits out the fault: a clean exit
      assert.deepEqual(await stopped.exited, { code: 0, signal: null }, stopped.output());
      await c.startNode(2);
    }));

  test('careledger verify passes on every data directory', async () => {
    for (const i of [0, 1, 2]) await c.stopNode(i);
    for (const org of c.orgs) {
      const r = await runCli(['verify', '--data-dir', org.dataDir, '--quiet'], 60_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok: /);
    }
    console.log(`# fault suite wall time ${Date.now() - t0} ms`);
  });
});
