// Unit tests of identity/erase-patient (GDPR Art. 17) through the in-memory harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId, scanOf } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { delegateIdForTx, getDelegate, getKey, getPatient, getPatientDelegateIds, identityContract, pseudonymForTx } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');
const code = (r: { refusal: { code: string } | undefined }) => r.refusal?.code;
function ok(r: { refusal: unknown }): void {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
}
function id(state: MemoryState, action: string, args: unknown, signer: string, extra: { txId?: string; blockTime?: string } = {}) {
  return runAction(identityContract, action, args, { state, signer, ...extra });
}

const K = {
  admin: testKeyId('alpha/admin'),
  dr: testKeyId('alpha/dr'),
  pat: testKeyId('pat'),
  pat2: testKeyId('pat2'),
  mum: testKeyId('mum'),
  mum2: testKeyId('mum2'),
  proxy: testKeyId('proxy'),
  other: testKeyId('other-patient'),
};

/** Org alpha with practitioner dr; patient pt (two keys) with guardian mum (two keys, may erase) and proxy (default powers); another patient. */
function world() {
  const state = new MemoryState();
  const org = { orgId: 'alpha', name: 'alpha', adminKeys: [K.admin], nodeKeys: [testKeyId('alpha/node')], hpkePublicKey: HPKE, endpoint: 'https://alpha.example' };
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org] }, { state, signer: K.admin }));
  ok(id(state, 'register-member', { memberId: 'dr', roles: ['practitioner'], keys: [K.dr] }, K.admin));
  ok(id(state, 'register-patient', { keys: [K.pat, K.pat2] }, K.dr, { txId: txIdOf('pt') }));
  const pt = pseudonymForTx(txIdOf('pt'));
  ok(id(state, 'register-patient', { keys: [K.other] }, K.dr, { txId: txIdOf('other') }));
  const powers = ['read', 'manage-consent', 'erase'];
  ok(id(state, 'add-delegate', { pseudonym: pt, relationship: 'guardian', keys: [K.mum, K.mum2], powers, validUntil: '2027-01-01T00:00:00.000Z' }, K.pat, { txId: txIdOf('mum') }));
  ok(id(state, 'add-delegate', { pseudonym: pt, relationship: 'proxy', keys: [K.proxy] }, K.pat, { txId: txIdOf('proxy') }));
  return { state, pt, mum: delegateIdForTx(txIdOf('mum')), proxy: delegateIdForTx(txIdOf('proxy')) };
}

test('add-delegate indexes the delegate under the patient', () => {
  const { state, pt, mum, proxy } = world();
  assert.deepEqual(getPatientDelegateIds(scanOf(state), pt), [mum, proxy].sort());
  // No index value that grows with the patient's delegates: the records are the index.
  assert.equal(state.get('identity', `patient-delegates/${pt}`), undefined);
});

test('erase-patient by the patient: erased, every patient and delegate key revoked, delegates removed', () => {
  const { state, pt, mum, proxy } = world();
  const before = getPatient(state, pt);
  const r = id(state, 'erase-patient', { pseudonym: pt }, K.pat2);
  ok(r);
  const height = state.txCount;
  assert.deepEqual(getPatient(state, pt), { ...before, status: 'erased', erasedAt: TEST_BLOCK_TIME });
  for (const k of [K.pat, K.pat2, K.mum, K.mum2, K.proxy]) {
    assert.equal(getKey(state, k)?.status, 'revoked', k);
    assert.equal(getKey(state, k)?.['revokedAt'], height);
  }
  assert.equal(getDelegate(state, pt, mum)?.status, 'removed');
  assert.equal(getDelegate(state, pt, proxy)?.status, 'removed');
  assert.equal(getDelegate(state, pt, proxy)?.endedAt, TEST_BLOCK_TIME);
  assert.equal(getKey(state, K.other)?.status, 'active');
  assert.equal(getKey(state, K.dr)?.status, 'active');
  assert.deepEqual(r.events, [{ contract: 'identity', type: 'patient-erased', data: { pseudonym: pt } }]);
  // Nobody acts for the patient any more; the executor refuses its keys.
  assert.equal(code(id(state, 'erase-patient', { pseudonym: pt }, K.pat)), 'REVOKED_SIGNER');
  assert.equal(code(id(state, 'erase-patient', { pseudonym: pt }, K.other)), 'GONE');
  assert.equal(code(id(state, 'add-delegate', { pseudonym: pt, relationship: 'proxy', keys: [testKeyId('x')] }, K.dr)), 'GONE');
});

test("erase-patient by a delegate whose delegation grants 'erase'", () => {
  const { state, pt } = world();
  ok(id(state, 'erase-patient', { pseudonym: pt }, K.mum, { blockTime: '2026-06-01T00:00:00.000Z' }));
  assert.equal(getPatient(state, pt)?.status, 'erased');
  assert.equal(getPatient(state, pt)?.erasedAt, '2026-06-01T00:00:00.000Z');
  assert.equal(getKey(state, K.mum)?.status, 'revoked');
});

test('erase-patient refuses everyone else with exact codes and writes nothing', () => {
  const { state, pt, mum } = world();
  const args = { pseudonym: pt };
  const refused = (signer: string, blockTime?: string) => {
    const r = id(state, 'erase-patient', args, signer, blockTime === undefined ? {} : { blockTime });
    assert.deepEqual(r.writes, []);
    return code(r);
  };
  assert.equal(refused(K.proxy), 'UNAUTHORIZED'); // no 'erase' power
  assert.equal(refused(K.dr), 'UNAUTHORIZED');
  assert.equal(refused(K.admin), 'UNAUTHORIZED');
  assert.equal(refused(K.other), 'UNAUTHORIZED');
  assert.equal(refused(K.mum, '2027-02-01T00:00:00.000Z'), 'UNAUTHORIZED'); // delegation expired
  assert.equal(refused(testKeyId('stranger')), 'UNKNOWN_SIGNER');
  assert.equal(code(id(state, 'erase-patient', { pseudonym: pseudonymForTx('none') }, K.pat)), 'NOT_FOUND');
  assert.equal(code(id(state, 'erase-patient', { pseudonym: 'pt-XYZ' }, K.pat)), 'INVALID_ARGS');
  assert.equal(code(id(state, 'erase-patient', { ...args, reason: 'x' }, K.pat)), 'INVALID_ARGS');
  ok(id(state, 'remove-delegate', { pseudonym: pt, delegateId: mum }, K.pat));
  assert.equal(refused(K.mum2), 'REVOKED_SIGNER');
  assert.equal(getPatient(state, pt)?.status, 'active');
  assert.equal(getKey(state, K.pat)?.status, 'active');
});
