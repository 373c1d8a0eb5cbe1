// Acceptance (ledger-core): "SIGKILL the node at random moments during a load
// of signed transactions, at least 20 times, restarting each time; every
// transaction reported committed is present, heights are contiguous, and
// careledger verify passes."
// The real CLI (`careledger start`) runs as a child on a loopback port. Each
// cycle: start, wait for /healthz, POST pre-signed transactions in small
// arrays with ?wait=commit from a few concurrent clients, SIGKILL after a
// random 50-600 ms. Transactions whose request died with the node are sent
// again later: each must then be OK (never ordered) or DUPLICATE_TX (ordered
// before the kill), so in the end every transaction is committed exactly once.
// Set CRASH_SEED to replay a schedule.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSigningKey } from '../src/crypto/index.js';
import { keyHome, loadSigningKey, readNodeConfig } from '../src/node/index.js';
import { signLedgerRead } from '../src/node/peers/read-auth.js';
import type { SigningKey } from '../src/crypto/index.js';
import { arrayBody, memberRegistration, seededRandom, selfEnrolment, verifyDataDir, type SignedTx } from './helpers/load.js';
import {
  freePort,
  killAllChildren,
  makeTempDir,
  removeDir,
  runCli,
  spawnNode,
  stopNode,
  waitForHealth,
  type NodeProcess,
} from './helpers/proc.js';

const CYCLES = 20;
const CLIENTS = 3;
/** Queue length at the start of a cycle: enough that the load outlasts the kill. */
const QUEUE_PER_CYCLE = 1000;
const MAX_PER_REQUEST = 6;
const REQUEST_TIMEOUT_MS = 10_000;
/** The load is one admin and a thousand self-enrolments a cycle: no quotas here (test/security/submit-edge covers them). */
const NO_QUOTAS = ['--signer-quota', 'unlimited', '--self-enrolment', 'unlimited'];

interface TxResultView {
  txId: string;
  code: string;
  height: number;
}

interface BlockView {
  height: number;
  hash: string;
  header: { height: number; prevHash: string };
  txs: Array<{ txId: string; code: string }>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the clients learned: acknowledged commits and transactions still in doubt. */
class Ledgerbook {
  /** Answered OK by the node. */
  readonly committed = new Set<string>();
  /** Answered DUPLICATE_TX on a resend: ordered before a kill, never acknowledged. */
  readonly committedUnacknowledged = new Set<string>();
  /** Every transaction ever sent. */
  readonly sent = new Map<string, SignedTx>();
  /** Sent without an answer (or not sent yet): to be sent again. */
  inDoubt: SignedTx[] = [];
  maxAckHeight = 0;
  readonly problems: string[] = [];

  record(batch: readonly SignedTx[], results: readonly TxResultView[]): void {
    batch.forEach((tx, i) => {
      const r = results[i];
      if (r?.txId !== tx.txId) {
        this.problems.push(`result ${i} is for ${r?.txId} not ${tx.txId}`);
        this.inDoubt.push(tx);
      } else if (r.code === 'OK') {
        this.committed.add(tx.txId);
        this.maxAckHeight = Math.max(this.maxAckHeight, r.height);
      } else if (r.code === 'DUPLICATE_TX' && !this.committed.has(tx.txId)) {
        this.committedUnacknowledged.add(tx.txId);
      } else {
        this.problems.push(`${tx.txId}: unexpected ${r.code}`);
      }
    });
  }
}

/** One client: takes small arrays off the queue until it is empty or the node dies. */
async function client(url: string, queue: SignedTx[], book: Ledgerbook, random: () => number, dead: { v: boolean }) {
  while (!dead.v && queue.length > 0) {
    const batch = queue.splice(0, 1 + Math.floor(random() * MAX_PER_REQUEST));
    for (const tx of batch) book.sent.set(tx.txId, tx);
    try {
      const res = await fetch(`${url}/ledger/v1/transactions?wait=commit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: arrayBody(batch),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await res.json()) as { results?: TxResultView[] };
      if (res.status !== 200 || !body.results) {
        book.problems.push(`status ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
        book.inDoubt.push(...batch);
      } else {
        book.record(batch, body.results);
      }
    } catch {
      // The node died with the request in flight: the outcome is unknown.
      book.inDoubt.push(...batch);
    }
  }
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** Every block in full: read as a ledger reader (a signed read with the org admin key). */
async function allBlocks(url: string, reader: SigningKey, network: string): Promise<{ blocks: BlockView[]; height: number }> {
  const blocks: BlockView[] = [];
  let height = -1;
  for (let page = 0; page < 10_000; page++) {
    const path = `/ledger/v1/blocks?from=${blocks.length}&limit=100`;
    const { status, body } = await getJson<{ blocks: BlockView[]; height: number }>(`${url}${path}`, { authorization: signLedgerRead(reader, network, 'GET', path) });
    assert.equal(status, 200);
    height = body.height;
    blocks.push(...body.blocks);
    if (body.blocks.length === 0 || blocks.length > height) break;
  }
  return { blocks, height };
}

test('crash: SIGKILL during a signed load, 20 times; nothing acknowledged is lost', { timeout: 180_000 }, async (t) => {
  const root = makeTempDir('careledger-crash-');
  t.after(() => {
    killAllChildren();
    removeDir(root);
  });
  const dataDir = join(root, 'data');
  const init = await runCli(['init', '--data-dir', dataDir], 30_000);
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const network = readNodeConfig(dataDir).networkId;
  const admin = loadSigningKey(keyHome(dataDir).adminKey);
  const seed = process.env['CRASH_SEED'] === undefined ? (Date.now() ^ process.pid) >>> 0 : Number(process.env['CRASH_SEED']);
  t.diagnostic(`CRASH_SEED=${seed}`);
  const random = seededRandom(seed);
  const book = new Ledgerbook();
  let members = 0;
  const presign = (n: number): SignedTx[] =>
    Array.from({ length: n }, () =>
      random() < 0.2
        ? memberRegistration(network, admin, `crash-${++members}`, ['practitioner'], [generateSigningKey().keyId])
        : selfEnrolment(network),
    );

  let kills = 0;
  let node: NodeProcess | undefined;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const queue = [...book.inDoubt, ...presign(Math.max(0, QUEUE_PER_CYCLE - book.inDoubt.length))];
    book.inDoubt = [];
    node = spawnNode(dataDir, await freePort(), NO_QUOTAS);
    const health = await waitForHealth(node, 10_000);
    assert.ok(health.height >= book.maxAckHeight, `cycle ${cycle}: restarted at height ${health.height} below acknowledged ${book.maxAckHeight}`);
    const dead = { v: false };
    const clients = Array.from({ length: CLIENTS }, () => client(node!.url, queue, book, random, dead));
    await sleep(50 + random() * 550);
    dead.v = true; // no new requests; those in flight die with the node
    node.child.kill('SIGKILL');
    const exit = await stopNode(node, 'SIGKILL', 5000);
    assert.equal(exit.signal, 'SIGKILL', `cycle ${cycle}: the node was not killed but exited ${JSON.stringify(exit)}:\n${node.output()}`);
    kills++;
    await Promise.all(clients);
    book.inDoubt.push(...queue.splice(0));
    if (cycle % 5 === 4) {
      // The data dir as the kill left it (WAL and all) verifies.
      const result = await verifyDataDir(dataDir);
      assert.equal(result.ok, true, `cycle ${cycle}: ${JSON.stringify(result)}`);
    }
  }
  assert.ok(kills >= 20);
  assert.deepEqual(book.problems, []);
  assert.ok(book.committed.size > 0, 'no transaction was acknowledged during the load');

  // Last start: resolve every transaction still in doubt, then check the ledger.
  node = spawnNode(dataDir, await freePort(), NO_QUOTAS);
  const health = await waitForHealth(node, 10_000);
  assert.ok(health.height >= book.maxAckHeight);
  for (let round = 0; round < 5 && book.inDoubt.length > 0; round++) {
    const queue = book.inDoubt;
    book.inDoubt = [];
    await Promise.all(Array.from({ length: CLIENTS }, () => client(node!.url, queue, book, random, { v: false })));
  }
  assert.deepEqual(book.inDoubt, [], 'transactions still in doubt after the last start');
  assert.deepEqual(book.problems, []);

  await t.test('every acknowledged transaction is retrievable with code OK', async () => {
    const ids = [...book.committed, ...book.committedUnacknowledged];
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map(async (txId) => {
          const { status, body } = await getJson<{ code: string }>(`${node!.url}/ledger/v1/transactions/${txId}`);
          assert.equal(status, 200, `${txId} is missing`);
          assert.equal(body.code, 'OK', `${txId} has code ${body.code}`);
        }),
      );
    }
  });

  await t.test('heights are contiguous and every transaction sent is committed exactly once', async () => {
    const { blocks, height } = await allBlocks(node!.url, admin, network);
    assert.equal(blocks.length, height + 1);
    blocks.forEach((b, i) => {
      assert.equal(b.height, i, 'heights 0..H without gaps');
      assert.equal(b.header.height, i);
      if (i > 0) assert.equal(b.header.prevHash, blocks[i - 1]!.hash, `block ${i} chains`);
    });
    const okCount = new Map<string, number>();
    for (const b of blocks) {
      for (const tx of b.txs) {
        if (tx.code === 'OK') okCount.set(tx.txId, (okCount.get(tx.txId) ?? 0) + 1);
        else assert.equal(tx.code, 'DUPLICATE_TX', `block ${b.height}: ${tx.txId} ${tx.code}`);
      }
    }
    for (const txId of book.sent.keys()) assert.equal(okCount.get(txId), 1, `${txId} committed ${okCount.get(txId) ?? 0} times`);
    assert.equal(okCount.size, book.sent.size + 1, 'OK transactions = those sent + genesis');
    t.diagnostic(`kills ${kills}; height ${height}; sent ${book.sent.size}; acknowledged ${book.committed.size}; ordered before a kill but unacknowledged ${book.committedUnacknowledged.size}`);
  });

  const stopped = await stopNode(node, 'SIGTERM', 10_000);
  assert.equal(stopped.code, 0, node.output());

  await t.test('careledger verify passes (offline logic in-process)', async () => {
    const result = await verifyDataDir(dataDir);
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  await t.test('careledger verify exits 0', async () => {
    const verify = await runCli(['verify', '--data-dir', dataDir, '--quiet'], 60_000);
    assert.equal(
      verify.code,
      0,
      `careledger verify exited ${String(verify.code)} printing ${JSON.stringify(verify.stdout + verify.stderr)}` +
        (verify.code === 13 ? ' (exit 13 = unsettled top-level await: VerifyPool workers are unref()ed, see verify-pool.ts)' : ''),
    );
    assert.match(verify.stdout, /^ok: /);
  });
});
