// POST /ledger/v1/transactions through fastify inject: result shapes with and
// without ?wait=commit, and every refusal at the edge (never ordered):
// malformed JSON, wrong types, oversize envelopes, wrong media type, a bad
// envelope inside an array. Codes and fields are asserted, never messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, toBase64Url } from '../../src/crypto/index.js';
import { txIdOf, type Envelope } from '../../src/ledger/index.js';
import { startTestNode, waitUntil, type TestNode } from '../helpers/node.js';
import { assertError, call, post, signerFor, submit } from '../helpers/api.js';

let fx: TestNode;
let sign: ReturnType<typeof signerFor>;

before(async () => {
  fx = await startTestNode();
  sign = signerFor(fx);
});
after(() => fx.close());

let memberCounter = 0;
/** A valid register-member transaction signed by the org admin. */
function registerMember(): Envelope {
  memberCounter++;
  return sign(fx.adminKey, 'identity', 'register-member', {
    memberId: `m${memberCounter}`,
    roles: ['practitioner'],
    keys: [generateSigningKey().keyId],
  });
}

async function assertNothingOrdered(heightBefore: number, txIds: string[]): Promise<void> {
  // The solo orderer cuts batches within milliseconds; give a stray batch time to land.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fx.node.head.height, heightBefore);
  for (const txId of txIds) assertError(await call(fx.app, { method: 'GET', url: `/ledger/v1/transactions/${txId}` }), 404, 'NOT_FOUND');
}

void test('one envelope with ?wait=commit: results [{txId, code, height, index}]', async () => {
  const envelope = registerMember();
  const before = fx.node.head.height;
  const [result, ...rest] = await submit(fx.app, envelope);
  assert.deepEqual(rest, []);
  assert.deepEqual(result, { txId: txIdOf(envelope.tx), code: 'OK', height: before + 1, index: 0 });
});

void test('an array with ?wait=commit: one result per envelope, in order, in one block', async () => {
  const envelopes = [registerMember(), registerMember(), registerMember()];
  const results = await submit(fx.app, envelopes);
  assert.equal(results.length, 3);
  const height = results[0]!.height;
  results.forEach((r, i) => assert.deepEqual(r, { txId: txIdOf(envelopes[i]!.tx), code: 'OK', height, index: i }));
  assert.equal(fx.node.head.height, height);
});

void test('without wait: 202 with the txIds, then the transaction commits', async () => {
  const envelope = registerMember();
  const txId = txIdOf(envelope.tx);
  const res = await post(fx.app, [envelope], '');
  assert.equal(res.statusCode, 202);
  assert.deepEqual(res.json(), { results: [{ txId, status: 'ordered' }] });
  const committed = await waitUntil(async () => {
    const r = await call(fx.app, { method: 'GET', url: `/ledger/v1/transactions/${txId}` });
    return r.statusCode === 200 ? r.json<{ code: string }>() : undefined;
  }, 5_000, 'commit');
  assert.equal(committed.code, 'OK');
});

void test('malformed JSON and empty bodies: 400 MALFORMED', async () => {
  const height = fx.node.head.height;
  for (const payload of ['{"tx":', '{', 'nope', '']) {
    const res = await call(fx.app, {
      method: 'POST',
      url: '/ledger/v1/transactions?wait=commit',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    assertError(res, 400, 'MALFORMED');
  }
  // Prototype poisoning is refused, not parsed.
  const proto = await call(fx.app, {
    method: 'POST',
    url: '/ledger/v1/transactions',
    headers: { 'content-type': 'application/json' },
    payload: '{"__proto__":{"polluted":true}}',
  });
  assertError(proto, 400, 'MALFORMED');
  await assertNothingOrdered(height, []);
});

void test('wrong types: 400 MALFORMED naming the field', async () => {
  const good = registerMember();
  const cases: Array<[unknown, string]> = [
    [{ ...good, tx: { ...good.tx, time: 12345 } }, 'tx.time'],
    [{ ...good, tx: { ...good.tx, nonce: 'short' } }, 'tx.nonce'],
    [{ ...good, tx: { ...good.tx, args: [] } }, 'tx.args'],
    [{ ...good, tx: { ...good.tx, type: 'careledger.tx/2' } }, 'tx.type'],
    [{ ...good, tx: { ...good.tx, time: '2026-01-02T03:04:05Z' } }, 'tx.time'],
    [{ ...good, sig: toBase64Url(new Uint8Array(63)) }, 'sig'],
    [{ ...good, extra: 1 }, ''],
    [{ tx: good.tx }, 'sig'],
  ];
  for (const [body, field] of cases) assertError(await post(fx.app, body), 400, 'MALFORMED', field);
  assertError(await post(fx.app, []), 400, 'MALFORMED', 'body');
  assertError(await post(fx.app, null), 400, 'MALFORMED');
  assertError(await post(fx.app, good, 'wait=always'), 400, 'MALFORMED', 'query.wait');
  assertError(await post(fx.app, good, 'wait=commit&timeoutMs=0'), 400, 'MALFORMED', 'query.timeoutMs');
});

void test('an envelope over 64 KiB canonical: 413 TOO_LARGE, not ordered', async () => {
  const height = fx.node.head.height;
  const big = sign(fx.adminKey, 'identity', 'register-member', { memberId: 'big', roles: ['auditor'], keys: [generateSigningKey().keyId], pad: 'x'.repeat(66_000) });
  assertError(await post(fx.app, big), 413, 'TOO_LARGE');
  assertError(await post(fx.app, [registerMember(), big]), 413, 'TOO_LARGE', '[1]');
  await assertNothingOrdered(height, [txIdOf(big.tx)]);
});

void test('a body over the request limit: 413 TOO_LARGE', async () => {
  const res = await call(fx.app, {
    method: 'POST',
    url: '/ledger/v1/transactions',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ pad: 'x'.repeat(9 * 1024 * 1024) }),
  });
  assertError(res, 413, 'TOO_LARGE');
});

void test('text/plain and other media types: 415', async () => {
  const body = JSON.stringify(registerMember());
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
    const res = await call(fx.app, { method: 'POST', url: '/ledger/v1/transactions', headers: { 'content-type': type }, payload: body });
    assertError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  }
});

void test('an array with one bad envelope: 400 and nothing ordered', async () => {
  const height = fx.node.head.height;
  const first = registerMember();
  const second = registerMember();
  const bad = { ...second, tx: { ...second.tx, signer: 'ed25519:not-a-key' } };
  assertError(await post(fx.app, [first, bad, registerMember()]), 400, 'MALFORMED', '[1].tx.signer');
  await assertNothingOrdered(height, [txIdOf(first.tx)]);
  // The good envelope alone is still accepted afterwards.
  const [result] = await submit(fx.app, first);
  assert.equal(result?.code, 'OK');
});
