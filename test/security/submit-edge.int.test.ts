// Issue 9, finding 5: anyone could write to the ledger forever. One
// unauthenticated POST of 120 envelopes with random signatures, or from keys
// nobody registered, was ordered and stored. Now the submit edge refuses bad
// signatures, unknown and revoked signers with a 4xx and stores nothing,
// quotas each signer (429 RATE_LIMITED with Retry-After) and self-enrolment
// as a whole, and still orders what a registered signer submits, valid or not.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateSigningKey, toBase64Url } from '../../src/crypto/index.js';
import { parseEnvelope, signTx, txIdOf, type Envelope } from '../../src/ledger/index.js';
import { SubmitRefusal } from '../../src/node/index.js';
import { assertError, post, readerGet, signerFor, submit, submitOne } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

/** What a refused request must leave as it was. */
function footprint(fx: TestNode) {
  return { height: fx.node.head.height, txs: fx.opened.store.txCount(), bytes: fx.opened.store.sizeBytes() };
}

/** A register-member transaction padded to about 60 KB, as the attack sent them. */
function padded(fx: TestNode, key = fx.adminKey, i = 0): Envelope {
  return signTx(
    {
      network: fx.networkId,
      contract: 'identity',
      action: 'register-member',
      args: { memberId: `junk-${i}`, roles: ['auditor'], keys: [generateSigningKey().keyId], display: 'x'.repeat(60_000) },
    },
    key,
  );
}

describe('finding 5: anonymous writes', () => {
  let fx: TestNode;
  let sign: ReturnType<typeof signerFor>;
  before(async () => {
    fx = await startTestNode({ limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
    sign = signerFor(fx);
  });
  after(() => fx.close());

  it('120 envelopes with random signatures: 400 BAD_SIGNATURE, ledger height and database size unchanged', async () => {
    const before = footprint(fx);
    const junk = Array.from({ length: 120 }, (_, i) => ({ ...padded(fx, fx.adminKey, i), sig: toBase64Url(randomBytes(64)) }));
    assertError(await post(fx.app, junk), 400, 'BAD_SIGNATURE', '[0].sig');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
    assertError(await readerGet(fx, `/ledger/v1/transactions/${txIdOf(junk[5]!.tx)}`), 404, 'NOT_FOUND');
  });

  it('the same 120 signed by a key nobody registered: 403 UNKNOWN_SIGNER, nothing stored', async () => {
    const before = footprint(fx);
    const stranger = generateSigningKey();
    const junk = Array.from({ length: 120 }, (_, i) => padded(fx, stranger, i));
    assertError(await post(fx.app, junk), 403, 'UNKNOWN_SIGNER', '[0].tx.signer');
    assertError(await post(fx.app, junk[0]), 403, 'UNKNOWN_SIGNER', 'tx.signer');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
  });

  it('one bad envelope among good ones refuses the request: nothing of it is ordered', async () => {
    const before = footprint(fx);
    const good = sign(fx.adminKey, 'identity', 'register-member', { memberId: 'good-1', roles: ['auditor'], keys: [generateSigningKey().keyId] });
    const bad = { ...good, sig: toBase64Url(randomBytes(64)) };
    assertError(await post(fx.app, [good, bad]), 400, 'BAD_SIGNATURE', '[1].sig');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
  });

  it('a revoked signer: 403 REVOKED_SIGNER, nothing stored', async () => {
    const key = generateSigningKey();
    assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'register-member', { memberId: 'leaver', roles: ['practitioner'], keys: [key.keyId] })), 'OK');
    assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'revoke-key', { keyId: key.keyId, reason: 'left the organisation' })), 'OK');
    const before = footprint(fx);
    assertError(await post(fx.app, sign(key, 'identity', 'register-patient', { keys: [generateSigningKey().keyId] })), 403, 'REVOKED_SIGNER', 'tx.signer');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
  });

  it('node.submit refuses on every path, not only over HTTP', async () => {
    const stranger = generateSigningKey();
    const parsed = parseEnvelope(sign(stranger, 'identity', 'register-member', { memberId: 'x1', roles: ['auditor'], keys: [stranger.keyId] }));
    await assert.rejects(fx.node.submit([parsed], { wait: true }), (e: unknown) => e instanceof SubmitRefusal && e.code === 'UNKNOWN_SIGNER' && e.index === 0);
    const forged = parseEnvelope({ ...sign(fx.adminKey, 'identity', 'nosuch', {}), sig: toBase64Url(randomBytes(64)) });
    await assert.rejects(fx.node.submit([forged]), (e: unknown) => e instanceof SubmitRefusal && e.code === 'BAD_SIGNATURE');
  });

  it("a registered signer's contract-invalid transaction still lands in its block with its code", async () => {
    const practitioner = generateSigningKey();
    assert.equal(await submitOne(fx.app, sign(fx.adminKey, 'identity', 'register-member', { memberId: 'prac', roles: ['practitioner'], keys: [practitioner.keyId] })), 'OK');
    const before = footprint(fx);
    const envelope = sign(practitioner, 'identity', 'register-member', { memberId: 'sneaky', roles: ['org-admin'], keys: [generateSigningKey().keyId] });
    const [result] = await submit(fx.app, envelope);
    assert.deepEqual(result, { txId: txIdOf(envelope.tx), code: 'UNAUTHORIZED', height: before.height + 1, index: 0 });
    const view = await readerGet(fx, `/ledger/v1/transactions/${result.txId}`);
    assert.equal(view.json<{ code: string }>().code, 'UNAUTHORIZED');
    assert.equal(fx.opened.store.txCount(), before.txs + 1);
  });

  it('self-enrolment stays open: exactly its own key, for this network, in the time window', async () => {
    const key = generateSigningKey();
    assert.equal(await submitOne(fx.app, signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, key)), 'OK');
    const before = footprint(fx);
    const other = generateSigningKey();
    const cases: Array<[Envelope, number, string, string]> = [
      // Registering someone else's key is not self-enrolment.
      [signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [generateSigningKey().keyId] } }, other), 403, 'UNKNOWN_SIGNER', 'tx.signer'],
      [signTx({ network: 'elsewhere', contract: 'identity', action: 'register-patient', args: { keys: [other.keyId] } }, other), 400, 'WRONG_NETWORK', 'tx.network'],
      [signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [other.keyId], extra: 1 } }, other), 400, 'INVALID_ARGS', 'tx.args'],
      [
        signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [other.keyId] }, time: new Date(Date.now() - 3_600_000) }, other),
        400,
        'STALE_TIME',
        'tx.time',
      ],
      // Genesis is open to an unregistered key only before the network exists.
      [signTx({ network: fx.networkId, contract: 'governance', action: 'genesis', args: {} }, other), 403, 'UNKNOWN_SIGNER', 'tx.signer'],
    ];
    for (const [envelope, status, code, field] of cases) assertError(await post(fx.app, envelope), status, code, field);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
  });
});

describe('finding 5: a self-enrolled key stores nothing that fails', () => {
  let fx: TestNode;
  before(async () => {
    fx = await startTestNode({ limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
  });
  after(() => fx.close());

  it('a patient key is not accountable: its failing transactions are refused at the edge with their code, nothing stored', async () => {
    // The attack: self-enrol a fresh key (no token needed), then use it as a registered signer to order junk.
    const key = generateSigningKey();
    const enrol = signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, key);
    assert.equal(await submitOne(fx.app, enrol), 'OK');
    const before = footprint(fx);
    const junk = (i: number) =>
      signTx({ network: fx.networkId, contract: 'consent', action: 'grant-fhir', args: { consent: { resourceType: 'Consent', note: `${i} ${'x'.repeat(60_000)}` } } }, key);
    const refused = await post(fx.app, Array.from({ length: 20 }, (_, i) => junk(i)));
    assert.equal(refused.statusCode >= 400 && refused.statusCode < 500, true, refused.body);
    assert.equal(refused.json<{ error: { field: string } }>().error.field, '[0].tx');
    // A governance action by a patient key: the contract's UNAUTHORIZED, at the edge.
    const governance = signTx({ network: fx.networkId, contract: 'identity', action: 'register-member', args: { memberId: 'sneaky', roles: ['auditor'], keys: [generateSigningKey().keyId] } }, key);
    assertError(await post(fx.app, governance), 403, 'UNAUTHORIZED', 'tx');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(footprint(fx), before);
    // An organisation's key is accountable: its failing transaction is still ordered, with its code.
    const dup = signTx({ network: fx.networkId, contract: 'identity', action: 'register-member', args: { memberId: 'twice', roles: ['auditor'], keys: [key.keyId] } }, fx.adminKey);
    assert.equal(await submitOne(fx.app, dup), 'ALREADY_EXISTS');
  });
});

describe('finding 5: quotas', () => {
  let fx: TestNode;
  let sign: ReturnType<typeof signerFor>;
  before(async () => {
    fx = await startTestNode({ limits: { perSigner: { perSecond: 0.01, burst: 3 }, selfEnrolment: { perSecond: 0.01, burst: 2 } } });
    sign = signerFor(fx);
  });
  after(() => fx.close());

  const member = (i: number) => sign(fx.adminKey, 'identity', 'register-member', { memberId: `q-${i}`, roles: ['auditor'], keys: [generateSigningKey().keyId] });
  const enrolment = () => {
    const key = generateSigningKey();
    return signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, key);
  };

  it('per signer: past the burst, 429 RATE_LIMITED with Retry-After, nothing stored', async () => {
    assert.deepEqual((await submit(fx.app, [member(1), member(2)])).map((r) => r.code), ['OK', 'OK']);
    assert.equal(await submitOne(fx.app, member(3)), 'OK');
    const before = footprint(fx);
    const res = await post(fx.app, member(4));
    assertError(res, 429, 'RATE_LIMITED', 'tx.signer');
    const retry = Number(res.headers['retry-after']);
    assert.ok(Number.isInteger(retry) && retry >= 90 && retry <= 100, `Retry-After ${String(res.headers['retry-after'])}`);
    // More than the burst in one request can never pass.
    assertError(await post(fx.app, [member(5), member(6), member(7), member(8)]), 429, 'RATE_LIMITED');
    assert.deepEqual(footprint(fx), before);
  });

  it("one signer's spent quota is not another's", async () => {
    // The admin's bucket is spent (above); two patients enrol themselves (the shared bucket holds 2).
    const patient = generateSigningKey();
    const self = signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [patient.keyId] } }, patient);
    assert.deepEqual((await submit(fx.app, [self, enrolment()])).map((r) => r.code), ['OK', 'OK']);
    // Now a registered signer with a bucket of its own: not refused for the admin's spent quota, but (a patient
    // key being unaccountable) its failing transaction is refused at the edge with the contract's code.
    const again = signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [generateSigningKey().keyId] } }, patient);
    assertError(await post(fx.app, again), 403, 'UNAUTHORIZED', 'tx');
    assertError(await post(fx.app, member(9)), 429, 'RATE_LIMITED');
  });

  it('self-enrolment shares one bucket: past it, 429 for every new key', async () => {
    const before = footprint(fx);
    const res = await post(fx.app, enrolment());
    assertError(res, 429, 'RATE_LIMITED');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assertError(await post(fx.app, enrolment()), 429, 'RATE_LIMITED');
    assert.deepEqual(footprint(fx), before);
  });
});

describe('finding 5: self-enrolment closed', () => {
  it('a node configured without self-enrolment refuses it with 403 FORBIDDEN and stores nothing', async () => {
    const fx = await startTestNode({ limits: { selfEnrolment: { perSecond: 0, burst: 0 } } });
    try {
      const before = footprint(fx);
      const key = generateSigningKey();
      const envelope = signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, key);
      assertError(await post(fx.app, envelope), 403, 'FORBIDDEN', 'tx.signer');
      assert.deepEqual(footprint(fx), before);
      // A custodian still registers patients.
      const byAdmin = signTx({ network: fx.networkId, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, fx.adminKey);
      assert.equal(await submitOne(fx.app, byAdmin), 'OK');
    } finally {
      await fx.close();
    }
  });
});
