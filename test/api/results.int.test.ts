// Result codes of ordered transactions through the ledger API (fastify
// inject): each invalid transaction a registered signer submits is ordered,
// keeps its place in its block with its code, and changes nothing
// (ARCHITECTURE section 3). Bad signatures, unknown and revoked signers are
// refused at the edge instead, with nothing stored (issue 9, finding 5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, toBase64Url } from '../../src/crypto/index.js';
import { signTx, txIdOf } from '../../src/ledger/index.js';
import { startTestNode, type TestNode, type TestSigningKey } from '../helpers/node.js';
import { assertError, call, post, readerGet, signerFor, submit, submitOne } from '../helpers/api.js';

let fx: TestNode;
let sign: ReturnType<typeof signerFor>;

before(async () => {
  fx = await startTestNode();
  sign = signerFor(fx);
});
after(() => fx.close());

let counter = 0;
/** Registers a member with a fresh key and the given roles; returns the key. */
async function newMember(roles: string[]): Promise<TestSigningKey> {
  const key = generateSigningKey();
  counter++;
  const code = await submitOne(fx.app, sign(fx.adminKey, 'identity', 'register-member', { memberId: `r${counter}`, roles, keys: [key.keyId] }));
  assert.equal(code, 'OK');
  return key;
}

const auditorArgs = () => ({ memberId: `x${++counter}`, roles: ['auditor'], keys: [generateSigningKey().keyId] });

async function memberCount(): Promise<number> {
  const res = await readerGet(fx, `/ledger/v1/orgs/${fx.init.config.orgId}/members?limit=500`);
  assert.equal(res.statusCode, 200);
  return res.json<{ items: unknown[] }>().items.length;
}

void test('bad signature: refused at the edge with BAD_SIGNATURE, nothing ordered', async () => {
  const before = await memberCount();
  const height = fx.node.head.height;
  const good = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const sig = Buffer.from(good.sig, 'base64url');
  sig[0] = sig[0]! ^ 0x01;
  const envelope = { ...good, sig: toBase64Url(sig) };
  assertError(await post(fx.app, envelope), 400, 'BAD_SIGNATURE', 'sig');
  assertError(await readerGet(fx, `/ledger/v1/transactions/${txIdOf(good.tx)}`), 404, 'NOT_FOUND');
  assert.equal(fx.node.head.height, height);
  assert.equal(await memberCount(), before);
});

void test('unknown signer: refused at the edge with UNKNOWN_SIGNER', async () => {
  const height = fx.node.head.height;
  assertError(await post(fx.app, sign(generateSigningKey(), 'identity', 'register-member', auditorArgs())), 403, 'UNKNOWN_SIGNER', 'tx.signer');
  assert.equal(fx.node.head.height, height);
});

void test('revoked signer: refused at the edge with REVOKED_SIGNER after identity revoke-key', async () => {
  const key = await newMember(['practitioner']);
  assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'revoke-key', { keyId: key.keyId, reason: 'lost' })), 'OK');
  const height = fx.node.head.height;
  assertError(await post(fx.app, sign(key, 'identity', 'register-patient', { keys: [generateSigningKey().keyId] })), 403, 'REVOKED_SIGNER', 'tx.signer');
  assertError(await post(fx.app, sign(key, 'identity', 'register-member', auditorArgs())), 403, 'REVOKED_SIGNER', 'tx.signer');
  assert.equal(fx.node.head.height, height);
});

void test('replayed transaction: a resubmission of a committed envelope answers its original result and orders nothing', async () => {
  const envelope = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const [first] = await submit(fx.app, envelope);
  assert.equal(first?.code, 'OK');
  const height = fx.node.head.height;
  const [second] = await submit(fx.app, envelope);
  assert.deepEqual(second, first);
  assert.equal(fx.node.head.height, height);
  // Without wait: 202, committed, with the original place.
  const res = await post(fx.app, envelope, '');
  assert.equal(res.statusCode, 202);
  assert.deepEqual(res.json(), { results: [{ txId: first.txId, status: 'committed', code: 'OK', height: first.height, index: first.index }] });
  assert.equal(fx.node.head.height, height);
  // The committed transaction answers with its one copy.
  const view = await call(fx.app, { method: 'GET', url: `/ledger/v1/transactions/${first.txId}` });
  assert.deepEqual(
    (({ code, height, index }) => ({ code, height, index }))(view.json<{ code: string; height: number; index: number }>()),
    { code: 'OK', height: first.height, index: first.index },
  );
});

void test('stale time: a transaction an hour off is STALE_TIME', async () => {
  const hour = 60 * 60 * 1000;
  for (const offset of [-hour, hour]) {
    const envelope = sign(fx.adminKey, 'identity', 'register-member', auditorArgs(), { time: new Date(Date.now() + offset) });
    assert.equal(await submitOne(fx.app, envelope), 'STALE_TIME');
  }
});

void test('unauthorised role: a practitioner registering a member is UNAUTHORIZED', async () => {
  const practitioner = await newMember(['practitioner']);
  const before = await memberCount();
  assert.equal(await submitOne(fx.app, sign(practitioner, 'identity', 'register-member', auditorArgs())), 'UNAUTHORIZED');
  assert.equal(await memberCount(), before);
  // The same practitioner may do what its role allows.
  assert.equal(await submitOne(fx.app, sign(practitioner, 'identity', 'register-patient', { keys: [generateSigningKey().keyId] })), 'OK');
});

void test('wrong network: WRONG_NETWORK', async () => {
  const envelope = signTx({ network: 'other-net', contract: 'identity', action: 'register-member', args: auditorArgs() }, fx.adminKey);
  assert.equal(await submitOne(fx.app, envelope), 'WRONG_NETWORK');
});

void test('unknown contract and action: UNKNOWN_CONTRACT, UNKNOWN_ACTION', async () => {
  assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'nosuch', 'register-member', auditorArgs())), 'UNKNOWN_CONTRACT');
  assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'nosuch', {})), 'UNKNOWN_ACTION');
  // Names inherited from Object.prototype are not actions.
  assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'toString', {})), 'UNKNOWN_ACTION');
});

void test('invalid args: INVALID_ARGS', async () => {
  assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'register-member', { memberId: 'y', roles: ['wizard'], keys: [] })), 'INVALID_ARGS');
});

void test('a mixed batch keeps every transaction in one block with its own code', async () => {
  const practitioner = await newMember(['practitioner']);
  const ok = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const unauthorised = sign(practitioner, 'identity', 'register-member', auditorArgs());
  const stale = sign(fx.adminKey, 'identity', 'register-member', auditorArgs(), { time: new Date(Date.now() - 3_600_000) });
  const results = await submit(fx.app, [ok, unauthorised, stale]);
  assert.deepEqual(results.map((r) => [r.code, r.index]), [['OK', 0], ['UNAUTHORIZED', 1], ['STALE_TIME', 2]]);
  assert.equal(new Set(results.map((r) => r.height)).size, 1);
});

void test('an unknown signer inside an array refuses the whole array, naming its position', async () => {
  const height = fx.node.head.height;
  const ok = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const unknown = sign(generateSigningKey(), 'identity', 'register-member', auditorArgs());
  assertError(await post(fx.app, [ok, unknown]), 403, 'UNKNOWN_SIGNER', '[1].tx.signer');
  assert.equal(fx.node.head.height, height);
  assertError(await readerGet(fx, `/ledger/v1/transactions/${txIdOf(ok.tx)}`), 404, 'NOT_FOUND');
});

// Regressions: one result per occurrence; a forged copy does not claim a txId.
// src/node/ledger-node.ts settle() resolves every waiter of a txId with the first occurrence's result.
void test('the same envelope twice in one array reports OK then DUPLICATE_TX', async () => {
  const envelope = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const results = await submit(fx.app, [envelope, envelope]);
  assert.deepEqual(results.map((r) => [r.code, r.index]), [['OK', 0], ['DUPLICATE_TX', 1]]);
});

// A copy with a bad signature must not reserve the txId: it is refused at the
// edge (and one ordered by another node would not claim it: claimsTxId).
void test('a bad-signature copy does not burn the txId of the genuine transaction', async () => {
  const genuine = sign(fx.adminKey, 'identity', 'register-member', auditorArgs());
  const forged = { ...genuine, sig: sign(fx.adminKey, 'identity', 'register-member', auditorArgs()).sig };
  assertError(await post(fx.app, forged), 400, 'BAD_SIGNATURE', 'sig');
  assert.equal(await submitOne(fx.app, genuine), 'OK');
});
