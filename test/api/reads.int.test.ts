// Read side of the ledger API: transactions, block paging, the checkpoint,
// consistency proofs, /healthz, /metrics (fastify inject) and the SSE event
// stream (a real loopback socket, since inject cannot stream).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { generateSigningKey } from '../../src/crypto/index.js';
import { parseCheckpoint, txIdOf, verifyCheckpointSignatures, type BlockHeader } from '../../src/ledger/index.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertError, call, readerGet, signerFor, submit } from '../helpers/api.js';
import { signLedgerRead } from '../../src/node/peers/read-auth.js';

let fx: TestNode;
let sign: ReturnType<typeof signerFor>;
let counter = 0;

const member = () =>
  sign(fx.adminKey, 'identity', 'register-member', { memberId: `q${++counter}`, roles: ['auditor'], keys: [generateSigningKey().keyId] });
const get = (url: string) => call(fx.app, { method: 'GET', url });

before(async () => {
  fx = await startTestNode();
  sign = signerFor(fx);
  // Blocks 1..5 with 1, 2, 1, 1, 1 transactions after genesis (block 0).
  await submit(fx.app, member());
  await submit(fx.app, [member(), member()]);
  for (let i = 0; i < 3; i++) await submit(fx.app, member());
});
after(() => fx.close());

void test('GET a transaction: view with proof and checkpoint; unknown 404, bad id 400', async () => {
  const envelope = member();
  const [result] = await submit(fx.app, envelope);
  assert.ok(result);
  // Anyone: position, leaf hash, code and the inclusion proof, never the envelope or its events.
  const anonymous = await get(`/ledger/v1/transactions/${result.txId}`);
  assert.equal(anonymous.statusCode, 200);
  const open = anonymous.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(open).sort(), ['checkpoint', 'code', 'height', 'index', 'leafHash', 'leafIndex', 'proof', 'txId']);
  // A ledger reader (here the org admin key, by a signed read): the envelope and its events too.
  const res = await readerGet(fx, `/ledger/v1/transactions/${result.txId}`);
  assert.equal(res.statusCode, 200);
  const view = res.json<Record<string, unknown> & { proof: { treeSize: number; leafIndex: number; hashes: string[] } }>();
  assert.deepEqual(Object.keys(view).sort(), ['checkpoint', 'code', 'envelope', 'events', 'height', 'index', 'leafHash', 'leafIndex', 'proof', 'txId']);
  assert.equal(view['leafHash'], open['leafHash']);
  assert.deepEqual(view.proof, open['proof']);
  assert.deepEqual(view.envelope, envelope);
  assert.equal(view.height, result.height);
  assert.equal(view.proof.treeSize, fx.node.head.logSize);
  assert.equal(view.proof.leafIndex, view.leafIndex);
  assertError(await get(`/ledger/v1/transactions/${'0'.repeat(64)}`), 404, 'NOT_FOUND');
  assertError(await get('/ledger/v1/transactions/xyz'), 400, 'MALFORMED', 'params.txId');
  assertError(await get(`/ledger/v1/transactions/${'A'.repeat(64)}`), 400, 'MALFORMED', 'params.txId');
});

void test('GET /blocks pages with from and limit', async () => {
  const head = fx.node.head.height;
  assert.ok(head >= 5);
  const all = (await get('/ledger/v1/blocks?from=0&limit=100')).json<{ blocks: Array<{ height: number; hash: string; header: BlockHeader; txs: unknown[] }>; height: number }>();
  assert.equal(all.height, head);
  assert.deepEqual(all.blocks.map((b) => b.height), Array.from({ length: head + 1 }, (_, i) => i));
  assert.deepEqual(all.blocks.slice(0, 3).map((b) => b.txs.length), [1, 1, 2]);
  for (const b of all.blocks.slice(1)) assert.equal(b.header.prevHash, all.blocks[b.height - 1]!.hash);
  // Without credentials a block lists leaves, not transactions: no txId, envelope or events.
  assert.deepEqual(Object.keys(all.blocks[2]!.txs[0] as object).sort(), ['code', 'index', 'leafHash', 'leafIndex']);
  const full = (await readerGet(fx, '/ledger/v1/blocks?from=0&limit=100')).json<{ blocks: Array<{ hash: string; txs: Array<Record<string, unknown>> }> }>();
  assert.deepEqual(full.blocks.map((b) => b.hash), all.blocks.map((b) => b.hash));
  assert.deepEqual(Object.keys(full.blocks[2]!.txs[0]!).sort(), ['code', 'envelope', 'events', 'height', 'index', 'leafHash', 'leafIndex', 'txId']);
  assert.deepEqual(full.blocks[2]!.txs.map((t) => t['leafHash']), (all.blocks[2]!.txs as Array<{ leafHash: string }>).map((t) => t.leafHash));

  const page = (await get('/ledger/v1/blocks?from=2&limit=2')).json<{ blocks: Array<{ height: number; hash: string }>; height: number }>();
  assert.deepEqual(page.blocks.map((b) => [b.height, b.hash]), all.blocks.slice(2, 4).map((b) => [b.height, b.hash]));
  assert.equal(page.height, head);
  const defaults = (await get('/ledger/v1/blocks')).json<{ blocks: unknown[] }>();
  assert.equal(defaults.blocks.length, Math.min(head + 1, 20));
  assert.deepEqual((await get(`/ledger/v1/blocks?from=${head + 1}`)).json<{ blocks: unknown[] }>().blocks, []);

  assertError(await get('/ledger/v1/blocks?limit=0'), 400, 'MALFORMED', 'query.limit');
  assertError(await get('/ledger/v1/blocks?limit=101'), 400, 'MALFORMED', 'query.limit');
  assertError(await get('/ledger/v1/blocks?from=-1'), 400, 'MALFORMED', 'query.from');
  assertError(await get('/ledger/v1/blocks?from=abc'), 400, 'MALFORMED', 'query.from');

  const one = (await get('/ledger/v1/blocks/2')).json<{ height: number; hash: string; txs: unknown[] }>();
  assert.equal(one.hash, all.blocks[2]!.hash);
  assert.equal(one.txs.length, 2);
  assertError(await get(`/ledger/v1/blocks/${head + 1}`), 404, 'NOT_FOUND');
  assertError(await get('/ledger/v1/blocks/abc'), 400, 'MALFORMED', 'params.height');
});

void test('GET /checkpoint: a signed note for the current tree', async () => {
  const res = await get('/ledger/v1/checkpoint');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const parsed = parseCheckpoint(res.body);
  assert.equal(parsed.origin, fx.networkId);
  assert.equal(parsed.treeSize, fx.node.head.logSize);
  assert.deepEqual(verifyCheckpointSignatures(parsed, [fx.init.nodeKeyId]), [fx.init.nodeKeyId]);
});

void test('GET /proofs/consistency: valid ranges answer, bad ranges 400', async () => {
  const size = fx.node.head.logSize;
  const ok = await get(`/ledger/v1/proofs/consistency?from=2&to=${size}`);
  assert.equal(ok.statusCode, 200);
  const body = ok.json<{ from: number; to: number; hashes: string[] }>();
  assert.equal(body.from, 2);
  assert.equal(body.to, size);
  assert.ok(body.hashes.length > 0);
  assert.deepEqual((await get(`/ledger/v1/proofs/consistency?from=${size}&to=${size}`)).json<{ hashes: string[] }>().hashes, []);
  const bad: Array<[string, string]> = [
    ['from=0&to=1', 'query.from'],
    [`from=3&to=2`, 'from'],
    [`from=1&to=${size + 1}`, 'from'],
    ['from=x&to=2', 'query.from'],
    ['from=1', 'query.to'],
    ['', 'query.from'],
    ['from=1.5&to=2', 'query.from'],
  ];
  for (const [query, field] of bad) assertError(await get(`/ledger/v1/proofs/consistency?${query}`), 400, 'MALFORMED', field);
});

void test('GET /ledger/v1/node, /healthz and /metrics', async () => {
  const node = (await get('/ledger/v1/node')).json<Record<string, unknown>>();
  assert.deepEqual(node, {
    networkId: fx.networkId,
    nodeKeyId: fx.init.nodeKeyId,
    height: fx.node.head.height,
    blockHash: fx.node.head.hash,
    logSize: fx.node.head.logSize,
  });
  const health = await get('/healthz');
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok', networkId: fx.networkId, height: fx.node.head.height });
  const metrics = await get('/metrics');
  assert.equal(metrics.statusCode, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain/);
  assert.match(metrics.body, new RegExp(`^careledger_height ${fx.node.head.height}$`, 'm'));
  assert.match(metrics.body, new RegExp(`^careledger_log_size ${fx.node.head.logSize}$`, 'm'));
  assert.match(metrics.body, /^careledger_txs_committed_total\{code="OK"\} \d+$/m);
  assertError(await get('/ledger/v1/nosuch'), 404, 'NOT_FOUND');
});

/** Opens the SSE stream on a real socket and collects `event: block` data until `until` holds. */
function readEvents(
  url: string,
  until: (events: unknown[]) => boolean,
  timeoutMs: number,
  authorization?: string,
): { req: ClientRequest; ready: Promise<void>; done: Promise<unknown[]> } {
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  let req!: ClientRequest;
  const done = new Promise<unknown[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no block event in time')), timeoutMs);
    req = request(`${url}/ledger/v1/events`, authorization ? { headers: { authorization } } : {}, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      res.setEncoding('utf8');
      let buffer = '';
      const events: unknown[] = [];
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith(': connected')) onReady();
          const lines = frame.split('\n');
          if (!lines.includes('event: block')) continue;
          const data = lines.find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)) as unknown);
        }
        if (until(events)) {
          clearTimeout(timer);
          resolve(events);
        }
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
  return { req, ready, done };
}

void test('GET /ledger/v1/events: SSE delivers the committed block', async () => {
  const url = await fx.listen();
  const envelope = member();
  const txId = txIdOf(envelope.tx);
  type BlockEvent = { height: number; hash: string; time: string; txs: Array<{ txId: string; code: string; events: Array<{ type: string }> }> };
  type HeaderEvent = { height: number; hash: string; time: string; header: BlockHeader; txCount: number; codes: string[] };
  const auth = signLedgerRead(fx.adminKey, fx.networkId, 'GET', '/ledger/v1/events');
  const stream = readEvents(url, (events) => (events as BlockEvent[]).some((e) => e.txs.some((t) => t.txId === txId)), 5_000, auth);
  const head = fx.node.head.height;
  const anonymous = readEvents(url, (events) => (events as HeaderEvent[]).some((e) => e.height > head), 5_000);
  try {
    await Promise.race([stream.ready, stream.done]);
    await Promise.race([anonymous.ready, anonymous.done]);
    const [result] = await submit(fx.app, envelope);
    assert.equal(result?.txId, txId);
    const events = (await stream.done) as BlockEvent[];
    const block = events.find((e) => e.height === result.height);
    assert.ok(block);
    assert.equal(block.hash, (await get(`/ledger/v1/blocks/${result.height}`)).json<{ hash: string }>().hash);
    assert.deepEqual(block.txs.map((t) => [t.txId, t.code]), [[txId, 'OK']]);
    assert.deepEqual(block.txs[0]!.events.map((e) => e.type), ['member-registered']);
    // Without credentials the same block comes as its header only.
    const seen = ((await anonymous.done) as HeaderEvent[]).find((e) => e.height === result.height);
    assert.ok(seen);
    assert.deepEqual(Object.keys(seen).sort(), ['codes', 'hash', 'header', 'height', 'time', 'txCount']);
    assert.deepEqual([seen.hash, seen.txCount, seen.codes], [block.hash, 1, ['OK']]);
  } finally {
    stream.req.destroy();
    anonymous.req.destroy();
  }
});
