// Unit tests of the identity contract through the in-memory harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KEYS_NAMESPACE } from '../../ledger/contract.js';
import { MemoryState, TEST_NETWORK, runAction, testKeyId, scanOf } from '../../../test/helpers/contracts.js';
import { governanceContract, getOrg } from '../governance/index.js';
import { getDelegate, getKey, getMember, getOrgMemberIds, getPatient, identityContract, pseudonymForTx, delegateIdForTx } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const admin = (orgId: string, n = 1) => testKeyId(`${orgId}/admin${n}`);
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');

function id(state: MemoryState, action: string, args: unknown, signer: string, extra: { txId?: string; blockTime?: string } = {}) {
  return runAction(identityContract, action, args, { state, signer, ...extra });
}

/** Orgs alpha (two admin keys) and beta; alpha has practitioner 'dr' and pharmacist 'ph'. */
function network(): MemoryState {
  const state = new MemoryState();
  const org = (orgId: string, admins: string[]) => ({
    orgId, name: orgId, adminKeys: admins, nodeKeys: [testKeyId(`${orgId}/node`)], hpkePublicKey: HPKE, endpoint: `https://${orgId}.example`,
  });
  const g = runAction(governanceContract, 'genesis', {
    networkId: TEST_NETWORK, orgs: [org('alpha', [admin('alpha'), admin('alpha', 2)]), org('beta', [admin('beta')])],
  }, { state, signer: admin('alpha') });
  assert.equal(g.refusal, undefined);
  ok(id(state, 'register-member', { memberId: 'dr', roles: ['practitioner'], licence: 'GMC-1234', keys: [testKeyId('alpha/dr')] }, admin('alpha')));
  ok(id(state, 'register-member', { memberId: 'ph', roles: ['pharmacist'], keys: [testKeyId('alpha/ph')] }, admin('alpha')));
  ok(id(state, 'register-member', { memberId: 'bdr', roles: ['practitioner'], keys: [testKeyId('beta/dr')] }, admin('beta')));
  return state;
}

function ok(r: { refusal: unknown }): void {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
}
const code = (r: { refusal: { code: string } | undefined }) => r.refusal?.code;
const status = (state: MemoryState, k: string) => getKey(state, k)?.status;

/** Registers a patient with one key via alpha's practitioner; returns its pseudonym. */
function patient(state: MemoryState, key: string, label: string): string {
  ok(id(state, 'register-patient', { keys: [key] }, testKeyId('alpha/dr'), { txId: txIdOf(label) }));
  return pseudonymForTx(txIdOf(label));
}

test('register-member writes the member, its keys and the org index', () => {
  const state = network();
  assert.deepEqual(getMember(state, 'alpha', 'dr'), {
    orgId: 'alpha', memberId: 'dr', roles: ['practitioner'], licence: 'GMC-1234', keys: [testKeyId('alpha/dr')], status: 'active', since: 2,
  });
  assert.deepEqual(state.get(KEYS_NAMESPACE, testKeyId('alpha/dr')), {
    kind: 'member', org: 'alpha', owner: 'dr', roles: ['practitioner'], status: 'active', since: 2,
  });
  assert.deepEqual(getOrgMemberIds(scanOf(state), 'alpha'), ['dr', 'ph']);
  assert.equal(state.get('identity', 'org-members/alpha'), undefined);
});

test('register-member authority and uniqueness', () => {
  const state = network();
  const args = { memberId: 'nurse', roles: ['practitioner'], keys: [testKeyId('alpha/nurse')] };
  assert.equal(code(id(state, 'register-member', args, testKeyId('alpha/dr'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'register-member', args, testKeyId('alpha/node'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'register-member', { ...args, memberId: 'dr' }, admin('alpha'))), 'ALREADY_EXISTS');
  assert.equal(code(id(state, 'register-member', { ...args, keys: [testKeyId('beta/dr')] }, admin('alpha'))), 'ALREADY_EXISTS');
  assert.equal(code(id(state, 'register-member', { ...args, roles: ['surgeon'] }, admin('alpha'))), 'INVALID_ARGS');
  assert.equal(code(id(state, 'register-member', { ...args, memberId: '-x' }, admin('alpha'))), 'INVALID_ARGS');
  assert.equal(getMember(state, 'alpha', 'nurse'), undefined);
  // A member holding the org-admin role administers its own org.
  ok(id(state, 'register-member', { memberId: 'boss', roles: ['org-admin'], keys: [testKeyId('alpha/boss')] }, admin('alpha')));
  ok(id(state, 'register-member', args, testKeyId('alpha/boss')));
  assert.equal(getMember(state, 'alpha', 'nurse')?.orgId, 'alpha');
});

test('set-member-roles and deactivate-member', () => {
  const state = network();
  ok(id(state, 'set-member-roles', { memberId: 'ph', roles: ['pharmacist', 'auditor'] }, admin('alpha')));
  assert.deepEqual(getMember(state, 'alpha', 'ph')?.roles, ['pharmacist', 'auditor']);
  assert.deepEqual(getKey(state, testKeyId('alpha/ph'))?.roles, ['pharmacist', 'auditor']);
  assert.equal(code(id(state, 'set-member-roles', { memberId: 'ph', roles: ['auditor'] }, admin('beta'))), 'NOT_FOUND');
  assert.equal(code(id(state, 'deactivate-member', { memberId: 'ph' }, testKeyId('alpha/dr'))), 'UNAUTHORIZED');
  ok(id(state, 'deactivate-member', { memberId: 'ph', reason: 'left' }, admin('alpha')));
  assert.equal(getMember(state, 'alpha', 'ph')?.status, 'inactive');
  assert.equal(status(state, testKeyId('alpha/ph')), 'revoked');
  assert.equal(code(id(state, 'deactivate-member', { memberId: 'ph' }, admin('alpha'))), 'CONFLICT');
});

test('register-patient by a custodian practitioner', () => {
  const state = network();
  const txId = txIdOf('p1');
  const r = id(state, 'register-patient', { keys: [testKeyId('pat1')] }, testKeyId('alpha/dr'), { txId });
  ok(r);
  const pseudonym = pseudonymForTx(txId);
  assert.deepEqual(getPatient(state, pseudonym), { pseudonym, keys: [testKeyId('pat1')], custodian: 'alpha', status: 'active', since: state.txCount });
  assert.deepEqual(getKey(state, testKeyId('pat1')), { kind: 'patient', org: null, owner: pseudonym, roles: [], status: 'active', since: state.txCount });
  assert.deepEqual(r.events, [{ contract: 'identity', type: 'patient-registered', data: { pseudonym, custodian: 'alpha' } }]);
  assert.equal(code(id(state, 'register-patient', { keys: [testKeyId('pat2')] }, testKeyId('alpha/ph'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'register-patient', { keys: [testKeyId('pat1')] }, admin('alpha'))), 'ALREADY_EXISTS');
  assert.equal(code(id(state, 'register-patient', { keys: [testKeyId('pat2')] }, testKeyId('pat1'))), 'UNAUTHORIZED');
});

test('self-enrolment registers exactly the signing key, custodian null', () => {
  const state = network();
  const self = testKeyId('self');
  assert.equal(code(id(state, 'register-patient', { keys: [testKeyId('other')] }, self)), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'register-patient', { keys: [self, testKeyId('other')] }, self)), 'UNAUTHORIZED');
  const txId = txIdOf('self');
  ok(id(state, 'register-patient', { keys: [self] }, self, { txId }));
  assert.deepEqual(getPatient(state, pseudonymForTx(txId))?.custodian, null);
  assert.equal(code(id(state, 'register-patient', { keys: [self] }, self)), 'UNAUTHORIZED');
  ok(id(state, 'revoke-key', { keyId: testKeyId('alpha/dr'), reason: 'lost' }, admin('alpha')));
  assert.equal(code(id(state, 'register-patient', { keys: [testKeyId('p9')] }, testKeyId('alpha/dr'))), 'REVOKED_SIGNER');
});

test('add-delegate by the patient only, never by the custodian or strangers', () => {
  const state = network();
  const pt = patient(state, testKeyId('pat'), 'pt');
  const txId = txIdOf('dg');
  ok(id(state, 'add-delegate', { pseudonym: pt, relationship: 'guardian', keys: [testKeyId('mum')], validUntil: '2030-01-01T00:00:00.000Z' }, testKeyId('pat'), { txId }));
  const dg = delegateIdForTx(txId);
  assert.deepEqual(getDelegate(state, pt, dg), {
    pseudonym: pt, delegateId: dg, relationship: 'guardian', keys: [testKeyId('mum')], status: 'active', validUntil: '2030-01-01T00:00:00.000Z', since: state.txCount,
    powers: ['read', 'manage-consent'], appointment: { by: 'patient', keyId: testKeyId('pat'), at: '2026-01-01T00:00:00.000Z' },
  });
  assert.deepEqual(getKey(state, testKeyId('mum')), { kind: 'delegate', org: null, owner: dg, roles: [], status: 'active', since: state.txCount, patient: pt });
  const args = { pseudonym: pt, relationship: 'proxy', keys: [testKeyId('x')] };
  // Finding 1: the custodian's practitioner and admin may no longer add a delegate.
  assert.equal(code(id(state, 'add-delegate', args, testKeyId('alpha/dr'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'add-delegate', args, admin('alpha'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'add-delegate', args, testKeyId('beta/dr'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'add-delegate', args, testKeyId('alpha/ph'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'add-delegate', args, testKeyId('mum'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'add-delegate', { ...args, validUntil: '2025-01-01T00:00:00.000Z' }, testKeyId('pat'))), 'RULE_VIOLATION');
  assert.equal(code(id(state, 'add-delegate', { ...args, pseudonym: pseudonymForTx('none') }, testKeyId('pat'))), 'NOT_FOUND');
  assert.equal(code(id(state, 'add-delegate', { ...args, keys: [testKeyId('mum')] }, testKeyId('pat'))), 'ALREADY_EXISTS');
  assert.equal(getKey(state, testKeyId('x')), undefined);
  // The delegate withdraws itself: record removed, keys revoked.
  ok(id(state, 'remove-delegate', { pseudonym: pt, delegateId: dg }, testKeyId('mum')));
  assert.equal(getDelegate(state, pt, dg)?.status, 'removed');
  assert.equal(status(state, testKeyId('mum')), 'revoked');
});

test('rotate-key by the old key itself', () => {
  const state = network();
  const r = id(state, 'rotate-key', { oldKeyId: testKeyId('alpha/dr'), newKeyId: testKeyId('alpha/dr2') }, testKeyId('alpha/dr'));
  ok(r);
  assert.equal(status(state, testKeyId('alpha/dr')), 'revoked');
  assert.deepEqual(getKey(state, testKeyId('alpha/dr2')), {
    kind: 'member', org: 'alpha', owner: 'dr', roles: ['practitioner'], status: 'active', since: state.txCount, rotatedFrom: testKeyId('alpha/dr'),
  });
  assert.deepEqual(getMember(state, 'alpha', 'dr')?.keys, [testKeyId('alpha/dr2')]);
  assert.equal(code(id(state, 'rotate-key', { oldKeyId: testKeyId('alpha/dr2'), newKeyId: testKeyId('alpha/ph') }, testKeyId('alpha/dr2'))), 'ALREADY_EXISTS');
  assert.equal(code(id(state, 'rotate-key', { oldKeyId: testKeyId('alpha/dr2'), newKeyId: testKeyId('alpha/dr2') }, testKeyId('alpha/dr2'))), 'INVALID_ARGS');
});

test('rotate-key by an org admin, and refused for unrelated keys', () => {
  const state = network();
  ok(id(state, 'rotate-key', { oldKeyId: admin('alpha', 2), newKeyId: admin('alpha', 3) }, admin('alpha')));
  assert.deepEqual(getOrg(state, 'alpha')?.adminKeys, [admin('alpha'), admin('alpha', 3)]);
  assert.equal(getKey(state, admin('alpha', 3))?.kind, 'org-admin');
  ok(id(state, 'rotate-key', { oldKeyId: testKeyId('alpha/node'), newKeyId: testKeyId('alpha/node2') }, admin('alpha')));
  assert.deepEqual(getOrg(state, 'alpha')?.nodeKeys, [testKeyId('alpha/node2')]);
  ok(id(state, 'rotate-key', { oldKeyId: testKeyId('alpha/ph'), newKeyId: testKeyId('alpha/ph2') }, admin('alpha')));
  const unrelated = { oldKeyId: testKeyId('alpha/dr'), newKeyId: testKeyId('alpha/dr9') };
  assert.equal(code(id(state, 'rotate-key', unrelated, admin('beta'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'rotate-key', unrelated, testKeyId('alpha/ph2'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'rotate-key', unrelated, testKeyId('alpha/node2'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'rotate-key', { oldKeyId: testKeyId('nokey'), newKeyId: testKeyId('n2') }, admin('alpha'))), 'NOT_FOUND');
  assert.equal(code(id(state, 'rotate-key', { oldKeyId: admin('alpha', 2), newKeyId: testKeyId('n3') }, admin('alpha'))), 'CONFLICT');
  assert.equal(status(state, testKeyId('alpha/dr')), 'active');
});

test("patient keys rotate by another patient key or a delegate with 'manage-keys' only", () => {
  const state = network();
  const pt = patient(state, testKeyId('pat'), 'pt');
  const keysPower = { pseudonym: pt, relationship: 'guardian', keys: [testKeyId('mum')], validUntil: '2026-06-01T00:00:00.000Z', powers: ['read', 'manage-keys'] };
  ok(id(state, 'add-delegate', keysPower, testKeyId('pat'), { txId: txIdOf('dg') }));
  ok(id(state, 'add-delegate', { pseudonym: pt, relationship: 'proxy', keys: [testKeyId('proxy')] }, testKeyId('pat'), { txId: txIdOf('proxy') }));
  const rotate = { oldKeyId: testKeyId('pat'), newKeyId: testKeyId('pat2') };
  assert.equal(code(id(state, 'rotate-key', rotate, testKeyId('alpha/dr'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'rotate-key', rotate, admin('alpha'))), 'UNAUTHORIZED');
  // A delegate with the default powers (read, manage-consent) holds no key rotation.
  assert.equal(code(id(state, 'rotate-key', rotate, testKeyId('proxy'))), 'UNAUTHORIZED');
  assert.equal(code(id(state, 'rotate-key', rotate, testKeyId('mum'), { blockTime: '2026-07-01T00:00:00.000Z' })), 'UNAUTHORIZED');
  ok(id(state, 'rotate-key', rotate, testKeyId('mum'), { blockTime: '2026-02-01T00:00:00.000Z' }));
  assert.deepEqual(getPatient(state, pt)?.keys, [testKeyId('pat2')]);
  assert.equal(getKey(state, testKeyId('pat2'))?.owner, pt);
  // A delegate with 'manage-keys' does not manage other delegates' keys; the patient does.
  assert.equal(code(id(state, 'revoke-key', { keyId: testKeyId('proxy'), reason: 'x' }, testKeyId('mum'))), 'UNAUTHORIZED');
  ok(id(state, 'revoke-key', { keyId: testKeyId('mum'), reason: 'no longer guardian' }, testKeyId('pat2')));
  assert.deepEqual(getDelegate(state, pt, delegateIdForTx(txIdOf('dg')))?.keys, []);
});

test('revoking the last active admin key of an org is a RULE_VIOLATION', () => {
  const state = network();
  assert.equal(code(id(state, 'revoke-key', { keyId: admin('beta'), reason: 'oops' }, admin('beta'))), 'RULE_VIOLATION');
  const r = id(state, 'revoke-key', { keyId: admin('alpha', 2), reason: 'laptop lost' }, admin('alpha'));
  ok(r);
  assert.deepEqual(r.events[0]?.data, { keyId: admin('alpha', 2), kind: 'org-admin', owner: 'alpha', reason: 'laptop lost' });
  assert.deepEqual(getOrg(state, 'alpha')?.adminKeys, [admin('alpha')]);
  assert.equal(status(state, admin('alpha', 2)), 'revoked');
  assert.equal(code(id(state, 'revoke-key', { keyId: admin('alpha'), reason: 'x' }, admin('alpha'))), 'RULE_VIOLATION');
  assert.equal(code(id(state, 'revoke-key', { keyId: admin('alpha', 2), reason: 'x' }, admin('alpha'))), 'CONFLICT');
  assert.equal(code(id(state, 'revoke-key', { keyId: testKeyId('alpha/dr'), reason: 'x' }, testKeyId('beta/dr'))), 'UNAUTHORIZED');
  ok(id(state, 'revoke-key', { keyId: testKeyId('alpha/dr'), reason: 'left' }, testKeyId('alpha/dr')));
  assert.deepEqual(getMember(state, 'alpha', 'dr')?.keys, []);
});

test('pseudonymForTx follows the documented derivation', () => {
  const txId = '0f'.repeat(32);
  const expected = 'pt-' + createHash('sha256').update('careledger.pseudonym/1\n' + txId).digest().subarray(0, 16).toString('hex');
  assert.equal(pseudonymForTx(txId), expected);
  assert.match(expected, /^pt-[0-9a-f]{32}$/);
});
