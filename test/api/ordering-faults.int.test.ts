// Answers a client can act on when a dependency fails (docs/operations.md),
// in-process through fastify inject: a node whose orderer can be made
// unreachable, silent (no acknowledgement) or slow to deliver, and a node
// whose storage quota is full. Checks the HTTP status, the catalogue code,
// Retry-After, each txId's ordering status, polling, idempotent resubmission,
// /readyz and /healthz, and who may read /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/index.js';
import { SoloOrderer, type BatchHandler, type Orderer, type OrdererHealth } from '../../src/ordering/index.js';
import { ORDERING_DEADLINE_MS, closeNode, initDevNetwork, openNode, type OpenedNode } from '../../src/node/index.js';
import { selfEnrolment, type SignedTx } from '../helpers/load.js';
import { waitUntil } from '../helpers/node.js';

/** A solo orderer with switches: unreachable, silent (never acknowledges), delivery held. */
class SwitchableOrderer implements Orderer {
  reachable = true;
  silent = false;
  holdDelivery = false;
  private readonly held: Array<() => void> = [];
  private readonly silenced: Array<() => void> = [];
  constructor(private readonly inner: SoloOrderer) {}
  health(): OrdererHealth {
    return this.reachable ? { reachable: true, lastOkAgoMs: 10, lagRevisions: 0 } : { reachable: false, lastOkAgoMs: 9_000, detail: 'GRPCDeadlineExceededError' };
  }
  submit(envelopes: readonly Uint8Array[]): Promise<void> {
    if (!this.silent) return this.inner.submit(envelopes);
    // Reaches the orderer only once released: the client was told 'unknown'.
    return new Promise((resolve, reject) => this.silenced.push(() => this.inner.submit(envelopes).then(resolve, reject)));
  }
  release(): void {
    this.silent = false;
    this.silenced.splice(0).forEach((go) => go());
  }
  releaseDelivery(): void {
    this.holdDelivery = false;
    this.held.splice(0).forEach((go) => go());
  }
  start(afterSeq: number, handler: BatchHandler): void {
    this.inner.start(afterSeq, async (batch) => {
      if (this.holdDelivery) await new Promise<void>((r) => this.held.push(r));
      await handler(batch);
    });
  }
  close(): Promise<void> {
    this.release();
    this.releaseDelivery();
    return this.inner.close();
  }
}

const TOKEN = 'operator-token-0123456789';

describe('ordering faults at the ledger API', () => {
  let tmp: string;
  let opened: OpenedNode;
  let orderer: SwitchableOrderer;
  let app: FastifyInstance;
  let networkId: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'careledger-ordering-faults-'));
    const init = await initDevNetwork(join(tmp, 'node'));
    networkId = init.config.networkId;
    opened = openNode(join(tmp, 'node'), {
      verifyWorkers: 0,
      limits: { selfEnrolment: null },
      orderer: (store) => (orderer = new SwitchableOrderer(new SoloOrderer(store))),
    });
    app = buildServer(opened.node, { logger: false, metricsToken: TOKEN }).app;
  });
  after(async () => {
    await app?.close();
    if (opened) await closeNode(opened);
    rmSync(tmp, { recursive: true, force: true });
  });

  const post = (txs: SignedTx[], query = 'wait=commit') =>
    app.inject({ method: 'POST', url: `/ledger/v1/transactions${query ? '?' + query : ''}`, headers: { 'content-type': 'application/json' }, payload: `[${txs.map((t) => t.text).join(',')}]` });

  test('orderer unreachable: 503 ORDERING_UNAVAILABLE at once with Retry-After, each txId not-ordered, nothing ordered', async () => {
    orderer.reachable = false;
    try {
      const txs = [selfEnrolment(networkId), selfEnrolment(networkId)];
      const height = opened.node.head.height;
      const t0 = Date.now();
      const res = await post(txs);
      assert.ok(Date.now() - t0 < 1_000);
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '2');
      const body = res.json<{ error: { code: string }; results: unknown[] }>();
      assert.equal(body.error.code, 'ORDERING_UNAVAILABLE');
      assert.deepEqual(body.results, txs.map((t) => ({ txId: t.txId, status: 'not-ordered' })));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(opened.node.head.height, height);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      const r = ready.json<{ status: string; checks: Record<string, string>; reasons: string[] }>();
      assert.equal(r.status, 'not-ready');
      assert.deepEqual(r.checks, { orderer: 'failing', sync: 'ok', witness: 'ok', storage: 'ok' });
      assert.match(r.reasons[0]!, /^orderer: ordering service unreachable or without quorum \(no answer for 9\.0 s; GRPCDeadlineExceededError\)$/);
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      orderer.reachable = true;
    }
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });

  test('no acknowledgement within the deadline: 503 with each txId unknown; it commits later, polling finds it, a resubmission answers the original result', async () => {
    orderer.silent = true;
    const tx = selfEnrolment(networkId);
    const t0 = Date.now();
    const res = await post([tx]);
    const ms = Date.now() - t0;
    assert.equal(res.statusCode, 503);
    assert.ok(ms >= ORDERING_DEADLINE_MS - 50 && ms < ORDERING_DEADLINE_MS + 1_000, `${ms} ms`);
    assert.equal(res.headers['retry-after'], '2');
    assert.deepEqual(res.json<{ results: unknown }>().results, [{ txId: tx.txId, status: 'unknown' }]);
    assert.equal((await app.inject({ method: 'GET', url: `/ledger/v1/transactions/${tx.txId}` })).statusCode, 404);
    // While still in flight, a resubmission joins it instead of ordering a second copy.
    const again = post([tx]);
    orderer.release();
    const joined = await again;
    assert.equal(joined.statusCode, 200, joined.body);
    const [result] = joined.json<{ results: Array<{ txId: string; code: string; height: number; index: number }> }>().results;
    assert.equal(result?.code, 'OK');
    const polled = await app.inject({ method: 'GET', url: `/ledger/v1/transactions/${tx.txId}` });
    assert.equal(polled.statusCode, 200);
    assert.equal(polled.json<{ code: string; height: number }>().height, result.height);
    const height = opened.node.head.height;
    const replay = await post([tx]);
    assert.equal(replay.statusCode, 200);
    assert.deepEqual(replay.json<{ results: unknown }>().results, [result]);
    assert.equal(opened.node.head.height, height, 'a resubmission orders nothing');
  });

  test('the client\'s own timeoutMs before any acknowledgement: 504 TIMEOUT, each txId unknown', async () => {
    orderer.silent = true;
    try {
      const tx = selfEnrolment(networkId);
      const res = await post([tx], 'wait=commit&timeoutMs=200');
      assert.equal(res.statusCode, 504);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'TIMEOUT');
      assert.deepEqual(res.json<{ results: unknown }>().results, [{ txId: tx.txId, status: 'unknown' }]);
    } finally {
      orderer.release();
    }
  });

  test('ordered but not committed within timeoutMs: 202 with each txId pending; the commit follows', async () => {
    orderer.holdDelivery = true;
    const txs = [selfEnrolment(networkId), selfEnrolment(networkId)];
    let res;
    try {
      res = await post(txs, 'wait=commit&timeoutMs=300');
    } finally {
      orderer.releaseDelivery();
    }
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json<{ results: unknown }>().results, txs.map((t) => ({ txId: t.txId, status: 'pending' })));
    await waitUntil(async () => ((await app.inject({ method: 'GET', url: `/ledger/v1/transactions/${txs[1]!.txId}` })).statusCode === 200 ? true : undefined), 5_000, 'the commit');
  });

  test('/metrics: loopback callers and the operator token; counters of the faults above', async () => {
    const local = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(local.statusCode, 200);
    assert.match(local.body, /^careledger_ordering_errors_total\{reason="unreachable"\} 1$/m);
    assert.match(local.body, /^careledger_ordering_errors_total\{reason="deadline"\} 1$/m);
    assert.match(local.body, /^careledger_orderer_up 1$/m);
    assert.match(local.body, /^careledger_ready 1$/m);
    assert.match(local.body, /^careledger_ordering_seconds_count \d+$/m);
    assert.match(local.body, /^process_resident_memory_bytes \d+$/m);
    const remote = { remoteAddress: '192.0.2.7' };
    const refused = await app.inject({ method: 'GET', url: '/metrics', ...remote });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<{ error: { code: string } }>().error.code, 'FORBIDDEN');
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', ...remote, headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', ...remote, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
    // Readiness is for load balancers: open, and it names components only.
    assert.equal((await app.inject({ method: 'GET', url: '/readyz', ...remote })).statusCode, 200);
  });
});

describe('a full storage quota', () => {
  test('the embedded node answers 503 STORAGE_UNAVAILABLE with Retry-After, never 500, and /readyz names the storage', async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'careledger-quota-'));
    const init = await initDevNetwork(join(tmp, 'node'));
    const probe = openNode(join(tmp, 'node'), { verifyWorkers: 0 });
    const bytes = Number(probe.store.db.pragma('page_count', { simple: true })) * Number(probe.store.db.pragma('page_size', { simple: true }));
    await closeNode(probe);
    const opened = openNode(join(tmp, 'node'), { verifyWorkers: 0, limits: { selfEnrolment: null }, storageLimitBytes: bytes + 16 * 1024 });
    const app = buildServer(opened.node, { logger: false }).app;
    t.after(async () => {
      await app.close();
      await closeNode(opened);
      rmSync(tmp, { recursive: true, force: true });
    });
    const statuses = new Map<number, string>();
    for (let i = 0; i < 40 && !statuses.has(503); i++) {
      const txs = Array.from({ length: 20 }, () => selfEnrolment(init.config.networkId));
      const res = await app.inject({ method: 'POST', url: '/ledger/v1/transactions?wait=commit&timeoutMs=2000', headers: { 'content-type': 'application/json' }, payload: `[${txs.map((x) => x.text).join(',')}]` });
      assert.notEqual(res.statusCode, 500, res.body);
      if (res.statusCode === 503) {
        assert.equal(res.headers['retry-after'], '2');
        statuses.set(503, res.json<{ error: { code: string } }>().error.code);
      }
    }
    assert.equal(statuses.get(503), 'STORAGE_UNAVAILABLE');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json<{ reasons: string[] }>().reasons.join(' '), /^storage: writes fail with SQLITE_FULL since /);
  });
});
