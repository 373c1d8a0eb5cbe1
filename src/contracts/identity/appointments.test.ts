// Unit tests of organisation appointments (propose/approve/reject-delegate),
// removal, powers and delegationStatus's end rules (ARCHITECTURE 1.7; issue 9
// finding 1), through the in-memory harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId, scanOf } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import {
  appointmentsOfOrg,
  delegateIdForTx,
  delegationStatus,
  delegationsOfPatient,
  getDelegate,
  getKey,
  identityContract,
  pseudonymForTx,
} from './index.js';

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
  boss: testKeyId('alpha/boss'), // member with org-admin
  po: testKeyId('alpha/po'), // member with privacy-officer
  po2: testKeyId('alpha/po2'),
  both: testKeyId('alpha/both'), // member with both roles
  dr: testKeyId('alpha/dr'),
  bpo: testKeyId('beta/po'),
  pat: testKeyId('pat'),
  mum: testKeyId('mum'),
};
const LATER = '2026-06-01T00:00:00.000Z';

/** Orgs alpha and beta; alpha members boss (org-admin), po, po2 (privacy-officer), both (both roles), dr; beta po; patient pt of alpha. */
function world() {
  const state = new MemoryState();
  const org = (orgId: string) => ({
    orgId, name: orgId, adminKeys: [testKeyId(`${orgId}/admin`)], nodeKeys: [testKeyId(`${orgId}/node`)], hpkePublicKey: HPKE, endpoint: `https://${orgId}.example`,
  });
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha'), org('beta')] }, { state, signer: K.admin }));
  const member = (memberId: string, roles: string[], key: string, admin = K.admin) => ok(id(state, 'register-member', { memberId, roles, keys: [key] }, admin));
  member('boss', ['org-admin'], K.boss);
  member('po', ['privacy-officer'], K.po);
  member('po2', ['privacy-officer'], K.po2);
  member('both', ['org-admin', 'privacy-officer'], K.both);
  member('dr', ['practitioner'], K.dr);
  member('bpo', ['privacy-officer'], K.bpo, testKeyId('beta/admin'));
  ok(id(state, 'register-patient', { keys: [K.pat] }, K.dr, { txId: txIdOf('pt') }));
  return { state, pt: pseudonymForTx(txIdOf('pt')) };
}

const proposal = (pt: string, extra: Record<string, unknown> = {}) => ({
  pseudonym: pt, relationship: 'guardian', keys: [K.mum], legalBasis: 'court-appointed-guardian', reference: 'Order 2026/123', ...extra,
});

/** Proposed by `by` (txId 'appt'); returns the delegate id. */
function propose(state: MemoryState, pt: string, by: string, extra: Record<string, unknown> = {}): string {
  ok(id(state, 'propose-delegate', proposal(pt, extra), by, { txId: txIdOf('appt') }));
  return delegateIdForTx(txIdOf('appt'));
}

test('propose-delegate writes a pending appointment with no key registered', () => {
  const { state, pt } = world();
  const r = id(state, 'propose-delegate', proposal(pt, { validUntil: '2030-01-01T00:00:00.000Z' }), K.boss, { txId: txIdOf('appt') });
  ok(r);
  const dg = delegateIdForTx(txIdOf('appt'));
  assert.deepEqual(getDelegate(state, pt, dg), {
    pseudonym: pt, delegateId: dg, relationship: 'guardian', keys: [K.mum], status: 'pending', validUntil: '2030-01-01T00:00:00.000Z', since: state.txCount,
    powers: ['read', 'manage-consent'],
    appointment: {
      by: 'org', orgId: 'alpha', legalBasis: 'court-appointed-guardian', reference: 'Order 2026/123',
      proposedBy: { memberId: 'boss', keyId: K.boss, role: 'org-admin' }, proposedAt: TEST_BLOCK_TIME,
    },
  });
  assert.equal(getKey(state, K.mum), undefined);
  assert.deepEqual(r.events, [{ contract: 'identity', type: 'delegate-proposed', data: { pseudonym: pt, delegateId: dg, orgId: 'alpha' } }]);
  assert.deepEqual(delegationStatus(state, getDelegate(state, pt, dg), TEST_BLOCK_TIME), { status: 'pending' });
});

test('propose-delegate refusals', () => {
  const { state, pt } = world();
  const refused = (signer: string, extra: Record<string, unknown> = {}) => code(id(state, 'propose-delegate', proposal(pt, extra), signer));
  assert.equal(refused(K.dr), 'UNAUTHORIZED'); // a practitioner
  assert.equal(refused(K.admin), 'UNAUTHORIZED'); // the org-admin key is not a person
  assert.equal(refused(K.bpo), 'UNAUTHORIZED'); // another org's privacy officer
  assert.equal(refused(K.pat), 'UNAUTHORIZED');
  assert.equal(refused(K.boss, { legalBasis: 'because' }), 'INVALID_ARGS');
  assert.equal(refused(K.boss, { reference: 'two\nlines' }), 'INVALID_ARGS');
  assert.equal(refused(K.boss, { powers: ['read', 'read'] }), 'INVALID_ARGS');
  assert.equal(refused(K.boss, { powers: ['everything'] }), 'INVALID_ARGS');
  assert.equal(refused(K.boss, { validUntil: '2025-01-01T00:00:00.000Z' }), 'RULE_VIOLATION');
  assert.equal(refused(K.boss, { keys: [K.dr] }), 'ALREADY_EXISTS');
  assert.equal(refused(K.boss, { pseudonym: pseudonymForTx('none') }), 'NOT_FOUND');
  // A self-enrolled patient has no custodian: no organisation may appoint for it.
  const self = testKeyId('self');
  ok(id(state, 'register-patient', { keys: [self] }, self, { txId: txIdOf('self') }));
  assert.equal(code(id(state, 'propose-delegate', proposal(pseudonymForTx(txIdOf('self'))), K.boss)), 'UNAUTHORIZED');
});

test('approve-delegate needs the other role and another person', () => {
  const { state, pt } = world();
  const dg = propose(state, pt, K.boss);
  const approve = (signer: string) => id(state, 'approve-delegate', { pseudonym: pt, delegateId: dg }, signer, { blockTime: LATER });
  assert.equal(code(approve(K.boss)), 'UNAUTHORIZED'); // the proposer
  assert.equal(code(approve(K.dr)), 'UNAUTHORIZED');
  assert.equal(code(approve(K.admin)), 'UNAUTHORIZED');
  assert.equal(code(approve(K.bpo)), 'UNAUTHORIZED');
  assert.equal(code(approve(K.pat)), 'UNAUTHORIZED');
  assert.equal(getKey(state, K.mum), undefined);
  const r = approve(K.po);
  ok(r);
  const d = getDelegate(state, pt, dg);
  assert.equal(d?.status, 'active');
  assert.deepEqual(d?.appointment?.['approvedBy'], { memberId: 'po', keyId: K.po, role: 'privacy-officer' });
  assert.equal(d?.appointment?.['approvedAt'], LATER);
  assert.deepEqual(getKey(state, K.mum), { kind: 'delegate', org: null, owner: dg, roles: [], status: 'active', since: state.txCount, patient: pt });
  assert.deepEqual(r.events, [{ contract: 'identity', type: 'delegate-approved', data: { pseudonym: pt, delegateId: dg, orgId: 'alpha' } }]);
  assert.deepEqual(delegationStatus(state, d, LATER), { status: 'active', powers: ['read', 'manage-consent'] });
  assert.equal(code(approve(K.po2)), 'CONFLICT');
});

test('a privacy officer proposes, an org-admin member approves; the same member never approves its own proposal', () => {
  const { state, pt } = world();
  const dg = propose(state, pt, K.po, { powers: ['read'] });
  const approve = (signer: string) => code(id(state, 'approve-delegate', { pseudonym: pt, delegateId: dg }, signer));
  assert.equal(approve(K.po2), 'UNAUTHORIZED'); // same role
  assert.equal(approve(K.po), 'UNAUTHORIZED');
  ok(id(state, 'approve-delegate', { pseudonym: pt, delegateId: dg }, K.both));
  assert.deepEqual(getDelegate(state, pt, dg)?.appointment?.['approvedBy'], { memberId: 'both', keyId: K.both, role: 'org-admin' });
  // A member holding both roles proposes as org-admin and still needs a privacy officer who is someone else.
  const { state: s2, pt: p2 } = world();
  const d2 = propose(s2, p2, K.both);
  assert.equal(code(id(s2, 'approve-delegate', { pseudonym: p2, delegateId: d2 }, K.both)), 'UNAUTHORIZED');
  assert.equal(code(id(s2, 'approve-delegate', { pseudonym: p2, delegateId: d2 }, K.boss)), 'UNAUTHORIZED');
  ok(id(s2, 'approve-delegate', { pseudonym: p2, delegateId: d2 }, K.po));
});

test('approve-delegate: not found, ended meanwhile, keys taken meanwhile', () => {
  const { state, pt } = world();
  assert.equal(code(id(state, 'approve-delegate', { pseudonym: pt, delegateId: delegateIdForTx('none') }, K.po)), 'NOT_FOUND');
  // A patient's own delegate is not an appointment.
  ok(id(state, 'add-delegate', { pseudonym: pt, relationship: 'proxy', keys: [testKeyId('p1')] }, K.pat, { txId: txIdOf('own') }));
  assert.equal(code(id(state, 'approve-delegate', { pseudonym: pt, delegateId: delegateIdForTx(txIdOf('own')) }, K.po)), 'NOT_FOUND');
  // Expired before approval.
  const dg = propose(state, pt, K.boss, { validUntil: '2026-02-01T00:00:00.000Z' });
  assert.equal(code(id(state, 'approve-delegate', { pseudonym: pt, delegateId: dg }, K.po, { blockTime: '2026-03-01T00:00:00.000Z' })), 'CONFLICT');
  // The proposer left before approval.
  const { state: s2, pt: p2 } = world();
  const d2 = propose(s2, p2, K.boss);
  ok(id(s2, 'deactivate-member', { memberId: 'boss' }, K.admin));
  assert.equal(code(id(s2, 'approve-delegate', { pseudonym: p2, delegateId: d2 }, K.po)), 'CONFLICT');
  // A key of the proposal registered elsewhere meanwhile.
  const { state: s3, pt: p3 } = world();
  const d3 = propose(s3, p3, K.boss);
  ok(id(s3, 'register-member', { memberId: 'x', roles: ['practitioner'], keys: [K.mum] }, K.admin));
  assert.equal(code(id(s3, 'approve-delegate', { pseudonym: p3, delegateId: d3 }, K.po)), 'ALREADY_EXISTS');
});

test('reject-delegate withdraws or refuses a pending appointment', () => {
  const { state, pt } = world();
  const dg = propose(state, pt, K.boss);
  const reject = (signer: string) => id(state, 'reject-delegate', { pseudonym: pt, delegateId: dg, reason: 'no order on file' }, signer);
  assert.equal(code(reject(K.dr)), 'UNAUTHORIZED');
  assert.equal(code(reject(K.bpo)), 'UNAUTHORIZED');
  assert.equal(code(reject(K.pat)), 'UNAUTHORIZED');
  const r = reject(K.po);
  ok(r);
  assert.equal(getDelegate(state, pt, dg)?.status, 'rejected');
  assert.equal(getDelegate(state, pt, dg)?.endedBy, K.po);
  assert.deepEqual(r.events, [{ contract: 'identity', type: 'delegate-rejected', data: { pseudonym: pt, delegateId: dg, orgId: 'alpha' } }]);
  assert.equal(code(reject(K.boss)), 'CONFLICT');
  assert.equal(code(id(state, 'approve-delegate', { pseudonym: pt, delegateId: dg }, K.po)), 'CONFLICT');
  assert.deepEqual(delegationStatus(state, getDelegate(state, pt, dg), TEST_BLOCK_TIME), { status: 'ended', reason: 'rejected' });
  // The proposer withdraws its own proposal.
  const { state: s2, pt: p2 } = world();
  const d2 = propose(s2, p2, K.boss);
  ok(id(s2, 'reject-delegate', { pseudonym: p2, delegateId: d2 }, K.boss));
  // remove-delegate does not end a pending appointment.
  const { state: s3, pt: p3 } = world();
  const d3 = propose(s3, p3, K.boss);
  assert.equal(code(id(s3, 'remove-delegate', { pseudonym: p3, delegateId: d3 }, K.pat)), 'CONFLICT');
});

/** An appointment proposed by boss and approved by po. */
function appointed(extra: Record<string, unknown> = {}) {
  const w = world();
  const dg = propose(w.state, w.pt, K.boss, extra);
  ok(id(w.state, 'approve-delegate', { pseudonym: w.pt, delegateId: dg }, K.po));
  const status = (at = TEST_BLOCK_TIME) => delegationStatus(w.state, getDelegate(w.state, w.pt, dg), at);
  return { ...w, dg, status };
}

test('an org appointment ends with either appointer, the org, the patient or its end date', () => {
  const ended = (reason: string) => ({ status: 'ended', reason });
  let a = appointed();
  ok(id(a.state, 'deactivate-member', { memberId: 'po' }, K.admin));
  assert.deepEqual(a.status(), ended('appointer-inactive'));
  a = appointed();
  ok(id(a.state, 'deactivate-member', { memberId: 'boss' }, K.admin));
  assert.deepEqual(a.status(), ended('appointer-inactive'));
  a = appointed();
  ok(id(a.state, 'set-member-roles', { memberId: 'po', roles: ['auditor'] }, K.admin));
  assert.deepEqual(a.status(), ended('appointer-inactive'));
  a = appointed();
  a.state.put('governance', 'org/alpha', { ...(a.state.get('governance', 'org/alpha') as object), status: 'removed' });
  assert.deepEqual(a.status(), ended('org-inactive'));
  a = appointed();
  ok(id(a.state, 'erase-patient', { pseudonym: a.pt }, K.pat));
  assert.deepEqual(a.status(), ended('removed'));
  a = appointed({ validUntil: '2026-02-01T00:00:00.000Z' });
  assert.equal(a.status('2026-01-31T23:59:59.999Z').status, 'active');
  assert.deepEqual(a.status('2026-02-01T00:00:00.000Z'), ended('expired'));
  // A record from before appointments were recorded never acts.
  a = appointed();
  const legacy = { ...getDelegate(a.state, a.pt, a.dg)! };
  delete legacy.appointment;
  assert.deepEqual(delegationStatus(a.state, { ...legacy, status: 'active' }, TEST_BLOCK_TIME), ended('unverified'));
  // The patient record gone inactive ends it even before erase-patient rewrites the delegate.
  a = appointed();
  a.state.put('identity', `patient/${a.pt}`, { ...(a.state.get('identity', `patient/${a.pt}`) as object), status: 'erased' });
  assert.deepEqual(a.status(), ended('patient-inactive'));
});

test('remove-delegate: the patient, the delegate itself, or one appointing member of the org', () => {
  for (const signer of [K.pat, K.mum, K.po2, K.boss]) {
    const a = appointed();
    ok(id(a.state, 'remove-delegate', { pseudonym: a.pt, delegateId: a.dg, reason: 'order lifted' }, signer));
    assert.equal(getDelegate(a.state, a.pt, a.dg)?.status, 'removed');
    assert.equal(getDelegate(a.state, a.pt, a.dg)?.endedBy, signer);
    assert.equal(getKey(a.state, K.mum)?.status, 'revoked');
  }
  const a = appointed();
  for (const signer of [K.dr, K.admin, K.bpo]) {
    assert.equal(code(id(a.state, 'remove-delegate', { pseudonym: a.pt, delegateId: a.dg }, signer)), 'UNAUTHORIZED');
  }
  // The org has no say over a delegate the patient appointed.
  ok(id(a.state, 'add-delegate', { pseudonym: a.pt, relationship: 'proxy', keys: [testKeyId('p1')] }, K.pat, { txId: txIdOf('own') }));
  assert.equal(code(id(a.state, 'remove-delegate', { pseudonym: a.pt, delegateId: delegateIdForTx(txIdOf('own')) }, K.po)), 'UNAUTHORIZED');
});

test('powers: key rotation and erasure only with manage-keys / erase', () => {
  let a = appointed();
  const rotate = { oldKeyId: K.pat, newKeyId: testKeyId('pat2') };
  assert.equal(code(id(a.state, 'rotate-key', rotate, K.mum)), 'UNAUTHORIZED');
  assert.equal(code(id(a.state, 'erase-patient', { pseudonym: a.pt }, K.mum)), 'UNAUTHORIZED');
  a = appointed({ powers: ['read', 'manage-keys', 'erase'] });
  ok(id(a.state, 'rotate-key', rotate, K.mum));
  ok(id(a.state, 'erase-patient', { pseudonym: a.pt }, K.mum));
  // Once the approving privacy officer is gone, the powers go too.
  a = appointed({ powers: ['read', 'manage-keys', 'erase'] });
  ok(id(a.state, 'deactivate-member', { memberId: 'po' }, K.admin));
  assert.equal(code(id(a.state, 'rotate-key', rotate, K.mum)), 'UNAUTHORIZED');
  assert.equal(code(id(a.state, 'erase-patient', { pseudonym: a.pt }, K.mum)), 'UNAUTHORIZED');
});

test('delegationsOfPatient and appointmentsOfOrg list pending, active and ended appointments with who and why', () => {
  const a = appointed({ validUntil: '2030-01-01T00:00:00.000Z' });
  ok(id(a.state, 'add-delegate', { pseudonym: a.pt, relationship: 'proxy', keys: [testKeyId('p1')], powers: ['read'] }, K.pat, { txId: txIdOf('own') }));
  ok(id(a.state, 'propose-delegate', proposal(a.pt, { keys: [testKeyId('m2')], legalBasis: 'incapacity-next-of-kin' }), K.po2, { txId: txIdOf('second') }));
  const second = delegateIdForTx(txIdOf('second'));
  const appointment = {
    pseudonym: a.pt, delegateId: a.dg, relationship: 'guardian', powers: ['read', 'manage-consent'], status: 'active', endReason: null, keys: [K.mum],
    validUntil: '2030-01-01T00:00:00.000Z', appointedBy: 'org', orgId: 'alpha', legalBasis: 'court-appointed-guardian', reference: 'Order 2026/123',
    proposedBy: { memberId: 'boss', keyId: K.boss, role: 'org-admin' }, proposedAt: TEST_BLOCK_TIME,
    approvedBy: { memberId: 'po', keyId: K.po, role: 'privacy-officer' }, approvedAt: TEST_BLOCK_TIME, endedAt: null,
  };
  const pending = {
    ...appointment, delegateId: second, status: 'pending', keys: [testKeyId('m2')], validUntil: null, legalBasis: 'incapacity-next-of-kin',
    proposedBy: { memberId: 'po2', keyId: K.po2, role: 'privacy-officer' }, approvedBy: null, approvedAt: null,
  };
  const own = {
    pseudonym: a.pt, delegateId: delegateIdForTx(txIdOf('own')), relationship: 'proxy', powers: ['read'], status: 'active', endReason: null,
    keys: [testKeyId('p1')], validUntil: null, appointedBy: 'patient', orgId: null, legalBasis: null, reference: null, proposedBy: null,
    proposedAt: TEST_BLOCK_TIME, approvedBy: null, approvedAt: null, endedAt: null,
  };
  assert.deepEqual(delegationsOfPatient(a.state, scanOf(a.state), a.pt, TEST_BLOCK_TIME), [appointment, own, pending]);
  assert.deepEqual(appointmentsOfOrg(a.state, scanOf(a.state), 'alpha', TEST_BLOCK_TIME), [appointment, pending]);
  assert.deepEqual(appointmentsOfOrg(a.state, scanOf(a.state), 'beta', TEST_BLOCK_TIME), []);
  ok(id(a.state, 'deactivate-member', { memberId: 'po' }, K.admin));
  assert.deepEqual(appointmentsOfOrg(a.state, scanOf(a.state), 'alpha', TEST_BLOCK_TIME)[0], { ...appointment, status: 'ended', endReason: 'appointer-inactive' });
  assert.deepEqual(delegationsOfPatient(a.state, scanOf(a.state), a.pt, '2031-01-01T00:00:00.000Z')[0], { ...appointment, status: 'ended', endReason: 'expired' });
});
