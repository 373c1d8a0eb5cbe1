// The verification pool answers every check: worker results equal the inline
// checks, and a worker lost mid-job rejects its job and is replaced instead of
// leaving the node's pipeline waiting for a reply that never comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { generateSigningKey, utf8 } from '../../crypto/index.js';
import { checkOrderedEnvelope, parseEnvelope, signTx } from '../../ledger/index.js';
import { VerifyPool } from './verify-pool.js';
import { packChecks, unpackChecks } from './verify-pack.js';

function envelopes(n: number): Uint8Array[] {
  const key = generateSigningKey();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const env = signTx({ network: 'pool-net', contract: 'toy', action: 'set', args: { i }, time: '2026-03-01T10:00:00.000Z' }, key);
    out.push(parseEnvelope(env).bytes);
  }
  out.push(utf8('{"not":"an envelope"}'));
  return out;
}

const workersOf = (pool: VerifyPool) => (pool as unknown as { slots: Array<{ worker: Worker }> }).slots.map((s) => s.worker);

test('worker results equal the inline checks, in order', async (t) => {
  const pool = new VerifyPool(2);
  t.after(() => pool.close());
  const batch = envelopes(40);
  const expected = batch.map((b) => checkOrderedEnvelope(b));
  const got = await pool.check(batch);
  assert.deepEqual(got.map((c) => [c.code, c.txId, Buffer.from(c.leafHash).toString('hex')]), expected.map((c) => [c.code, c.txId, Buffer.from(c.leafHash).toString('hex')]));
  assert.equal(got.at(-1)?.code, 'MALFORMED');
});

test('a worker that exits mid-job rejects the job, is replaced, and the next check succeeds', async (t) => {
  const pool = new VerifyPool(2);
  t.after(() => pool.close());
  const batch = envelopes(200);
  const [first] = workersOf(pool);
  const pending = pool.check(batch);
  await first!.terminate();
  await assert.rejects(pending, /verify worker exited/);
  assert.equal(pool.size, 2);
  assert.notEqual(workersOf(pool)[0], first, 'the lost worker was replaced');
  const again = await pool.check(batch);
  assert.deepEqual(again.map((c) => c.code), batch.map((b) => checkOrderedEnvelope(b).code));
});

test('after close, checks run inline', async () => {
  const pool = new VerifyPool(2);
  await pool.close();
  const batch = envelopes(20);
  assert.deepEqual((await pool.check(batch)).map((c) => c.txId), batch.map((b) => checkOrderedEnvelope(b).txId));
});

test('checkChunks deals a batch in ordered chunks whose concatenation is the inline result', async (t) => {
  const pool = new VerifyPool(2);
  t.after(() => pool.close());
  const batch = envelopes(200);
  const chunks = pool.checkChunks(batch);
  assert.equal(chunks.length, 8, '201 envelopes in chunks of ceil(201 / (2 workers x 4)) = 26: 7 full and one of 19');
  const got = (await Promise.all(chunks)).flat();
  assert.deepEqual(got.map((c) => c.txId), batch.map((b) => checkOrderedEnvelope(b).txId));
  assert.equal(pool.checkChunks(batch.slice(0, 15)).length, 1, 'a small batch is one inline chunk');
});

test('packed replies unpack to the same checks; an inconsistent reply is refused', () => {
  const checks = envelopes(5).map((b) => checkOrderedEnvelope(b));
  const packed = packChecks(checks);
  assert.equal(packed.leafHashes.byteLength, 6 * 32);
  const back = unpackChecks(packed);
  assert.deepEqual(back.map((c) => [c.code, c.txId, Buffer.from(c.leafHash).toString('hex')]), checks.map((c) => [c.code, c.txId, Buffer.from(c.leafHash).toString('hex')]));
  assert.throws(() => unpackChecks({ ...packed, txIds: packed.txIds.slice(1) }), /inconsistent reply/);
  assert.throws(() => unpackChecks({ ...packed, leafHashes: packed.leafHashes.slice(32) }), /inconsistent reply/);
});
