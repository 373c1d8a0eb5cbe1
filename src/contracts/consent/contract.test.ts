// Contract-level tests of grant/revoke and decide: the scenario
// (Dr Y, Observation, TREAT, one day), organisation grantees, deny-wins,
// nested exceptions, delegates and the refusal codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ACTIVE_GRANTS } from './contract.js';
import { decideMany, prepareDecision } from './decide.js';
import { consentIdForTx, readIndex } from './state.js';
import { CLINIC, DELEGATE, HOSP, KEYS, OTHER_PATIENT, PATIENT, T0, World, addHours, drY, orgGrant, request } from '../../../test/helpers/consent-world.js';

const oneDay = { start: T0, end: addHours(T0, 24) };
const obsTreat = { type: 'permit' as const, resourceTypes: ['Observation'], purposes: ['TREAT' as const], period: oneDay };

void test('grant to Dr Y for Observation/TREAT for one day: the issue scenario', () => {
  const w = new World();
  const id = w.grant(drY(obsTreat));
  assert.match(id, /^cns_[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(w.decide({}, addHours(T0, 1)), { decision: 'permit', consentIds: [id], reason: 'permitted' });
  assert.equal(w.decide({ resourceType: 'Condition' }, addHours(T0, 1)).decision, 'deny');
  assert.equal(w.decide({ resourceType: 'Condition' }, addHours(T0, 1)).reason, 'no-consent');
  assert.equal(w.decide({ purpose: 'HPAYMT' }, addHours(T0, 1)).decision, 'deny');
  assert.equal(w.decide({ requester: { orgId: HOSP, memberId: 'dr-z' } }, addHours(T0, 1)).decision, 'deny');
  assert.deepEqual(w.decide({}, addHours(T0, 24)), { decision: 'deny', consentIds: [id], reason: 'expired' });
  assert.equal(w.decide({}, addHours(T0, -1)).reason, 'no-consent');

  const r = w.revoke(id, { at: addHours(T0, 2) });
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.events.map((e) => e.type), ['revoked']);
  assert.deepEqual(w.decide({}, addHours(T0, 3)), { decision: 'deny', consentIds: [], reason: 'no-consent' });
  assert.equal(w.book.read(w.state, PATIENT, id)?.status, 'revoked');
  assert.deepEqual(readIndex(w.state, PATIENT), []);
});

void test('events carry ids only and the consent id derives from the txId', () => {
  const w = new World();
  const r = w.run('grant', drY({ type: 'permit', securityLabels: ['HIV'], purposes: ['TREAT'] }));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.events, [{ contract: 'consent', type: 'granted', data: { consentId: consentIdForTx(r.txId), patient: PATIENT } }]);
  const stored = w.book.read(w.state, PATIENT, consentIdForTx(r.txId));
  assert.equal(stored?.grantedBy, KEYS.patient);
  assert.equal(stored?.grantedAt, T0);
});

void test('an organisation grantee covers every member of that organisation only', () => {
  const w = new World();
  const id = w.grant(orgGrant(HOSP, { type: 'permit', actions: ['access'] }));
  assert.deepEqual(w.decide({ requester: { orgId: HOSP, memberId: 'dr-z' } }).consentIds, [id]);
  assert.equal(w.decide({ requester: { orgId: HOSP, memberId: 'dr-y' } }).decision, 'permit');
  assert.equal(w.decide({ requester: { orgId: CLINIC, memberId: 'dr-w' } }).decision, 'deny');
  assert.equal(w.decide({ action: 'disclose' }).decision, 'deny');
});

void test('a deny grant for PSY-labelled data wins over a permit', () => {
  const w = new World();
  const permit = w.grant(drY({ type: 'permit' }));
  const deny = w.grant(orgGrant(HOSP, { type: 'deny', securityLabels: ['PSY'] }));
  assert.deepEqual(w.decide({ securityLabels: ['R', 'PSY'] }), { decision: 'deny', consentIds: [deny], reason: 'denied-by-provision' });
  assert.deepEqual(w.decide({ securityLabels: ['N'] }), { decision: 'permit', consentIds: [permit], reason: 'permitted' });
});

void test('nested provisions are exceptions to their parent', () => {
  const w = new World();
  // Deny everything to the hospital except Observations for treatment, but never HIV-labelled ones.
  const id = w.grant(
    orgGrant(HOSP, {
      type: 'deny',
      provisions: [
        { type: 'permit', resourceTypes: ['Observation'], purposes: ['TREAT'], provisions: [{ type: 'deny', securityLabels: ['HIV'] }] },
      ],
    }),
  );
  assert.deepEqual(w.decide({}), { decision: 'permit', consentIds: [id], reason: 'permitted' });
  assert.equal(w.decide({ resourceType: 'Condition' }).reason, 'denied-by-provision');
  assert.equal(w.decide({ purpose: 'HRESCH' }).reason, 'denied-by-provision');
  assert.equal(w.decide({ securityLabels: ['HIV'] }).reason, 'denied-by-provision');
  // The root deny also overrides another grant's permit (deny wins across grants).
  w.grant(drY({ type: 'permit' }));
  assert.equal(w.decide({ resourceType: 'Condition' }).decision, 'deny');
});

void test('a permit scoped to labels does not reach sensitive categories it does not name', () => {
  const w = new World();
  w.grant(drY({ type: 'permit', securityLabels: ['N'] }));
  assert.equal(w.decide({ securityLabels: ['N'] }).decision, 'permit');
  assert.equal(w.decide({ securityLabels: ['N', 'HIV'] }).decision, 'deny');
  assert.equal(w.decide({ securityLabels: [] }).decision, 'deny');
  w.grant(drY({ type: 'permit', securityLabels: ['N', 'HIV'] }));
  assert.equal(w.decide({ securityLabels: ['N', 'HIV'] }).decision, 'permit');
});

void test('a delegate may grant and revoke; other signers are UNAUTHORIZED', () => {
  const w = new World();
  const id = w.grant(drY(obsTreat), { signer: KEYS.delegate });
  assert.equal(w.book.read(w.state, PATIENT, id)?.grantedBy, KEYS.delegate);
  for (const signer of [KEYS.otherPatient, KEYS.member, KEYS.admin]) {
    assert.equal(w.run('grant', drY(obsTreat), { signer }).refusal?.code, 'UNAUTHORIZED');
    assert.equal(w.revoke(id, { signer }).refusal?.code, 'UNAUTHORIZED');
  }
  // The delegate of PATIENT has no authority over another patient.
  assert.equal(w.run('grant', drY(obsTreat, OTHER_PATIENT), { signer: KEYS.delegate }).refusal?.code, 'UNAUTHORIZED');
  assert.equal(w.revoke(id, { signer: KEYS.delegate }).refusal, undefined);
});

void test('an expired or removed delegation is UNAUTHORIZED', () => {
  const w = new World();
  w.setDelegate({ validUntil: addHours(T0, 1) });
  assert.equal(w.run('grant', drY(obsTreat), { signer: KEYS.delegate }).refusal, undefined);
  const late = w.run('grant', drY({ type: 'permit' }), { signer: KEYS.delegate, at: addHours(T0, 1) });
  assert.equal(late.refusal?.code, 'UNAUTHORIZED');
  w.setDelegate({ status: 'removed' });
  assert.equal(w.run('grant', drY({ type: 'permit' }), { signer: KEYS.delegate }).refusal?.code, 'UNAUTHORIZED');
  assert.equal(DELEGATE.startsWith('dg-'), true);
});

void test('grantee must exist and be active (custodian edge check); the patient too (contract)', () => {
  const w = new World();
  const nobody = { patient: PATIENT, grantee: { kind: 'practitioner' as const, orgId: HOSP, memberId: 'nobody' }, provision: { type: 'permit' as const } };
  assert.equal(w.check(nobody), 'NOT_FOUND');
  assert.equal(w.check(orgGrant('no-such-org', { type: 'permit' })), 'NOT_FOUND');
  w.state.put('identity', `member/${HOSP}/dr-z`, { orgId: HOSP, memberId: 'dr-z', roles: [], keys: [], status: 'inactive' });
  const drZ = { ...nobody, grantee: { kind: 'practitioner' as const, orgId: HOSP, memberId: 'dr-z' } };
  assert.equal(w.check(drZ), 'NOT_FOUND');
  assert.equal(w.check(drY({ type: 'permit' })), undefined);
  // The contract cannot see the grantee: a sealed grant naming nobody is stored, and permits nobody.
  assert.equal(w.run('grant', nobody).refusal, undefined);
  assert.equal(w.decide({}).reason, 'no-consent');
  const id = w.grant(drY({ type: 'permit' }));
  w.state.put('identity', `patient/${PATIENT}`, { pseudonym: PATIENT, keys: [KEYS.patient], custodian: HOSP, status: 'erased' });
  assert.equal(w.run('grant', drY({ type: 'permit' })).refusal?.code, 'GONE');
  assert.equal(w.check(drY({ type: 'permit' })), 'NOT_FOUND');
  assert.equal(w.revoke(id).refusal?.code, 'GONE');
  assert.deepEqual(w.decide({}), { decision: 'deny', consentIds: [], reason: 'patient-erased' });
});

void test('revoke: unknown id NOT_FOUND, second revoke CONFLICT', () => {
  const w = new World();
  const id = w.grant(drY({ type: 'permit' }));
  assert.equal(w.revoke(consentIdForTx('f'.repeat(64))).refusal?.code, 'NOT_FOUND');
  assert.equal(w.revoke(id, { signer: KEYS.otherPatient, patient: OTHER_PATIENT }).refusal?.code, 'NOT_FOUND');
  assert.equal(w.revoke(id).refusal, undefined);
  assert.equal(w.revoke(id).refusal?.code, 'CONFLICT');
});

void test('malformed provisions are INVALID_ARGS and an ended period RULE_VIOLATION at the edge; stored anyway, they fail closed', () => {
  const w = new World();
  const deep = { type: 'permit' as const, provisions: [{ type: 'deny' as const, provisions: [{ type: 'permit' as const, provisions: [{ type: 'deny' as const, provisions: [{ type: 'permit' as const }] }] }] }] };
  assert.equal(w.check(drY(deep)), 'INVALID_ARGS');
  assert.equal(w.check(drY({ type: 'permit', securityLabels: ['XYZ' as 'N'] })), 'INVALID_ARGS');
  assert.equal(w.check(drY({ type: 'permit', period: { start: addHours(T0, 2), end: T0 } })), 'INVALID_ARGS');
  assert.equal(w.check(drY({ type: 'permit', period: { end: '2026-02-30T00:00:00Z' } })), 'INVALID_ARGS');
  assert.equal(w.check(drY({ type: 'permit', period: { end: T0 } })), 'RULE_VIOLATION');
  // Offsets are normalised to UTC milliseconds.
  const id = w.grant(drY({ type: 'permit', period: { end: '2026-03-01T12:00:00+02:00' } }));
  assert.equal(w.book.read(w.state, PATIENT, id)?.provision.period?.end, '2026-03-01T10:00:00.000Z');
  assert.equal(w.decide({}).decision, 'permit');
  // Submitted past the custodian's check (the generic transactions route), an invalid body is stored but never used.
  const bad = w.grant(drY(deep));
  assert.deepEqual(w.decide({}), { decision: 'deny', consentIds: [], reason: 'consent-unreadable' });
  assert.deepEqual(w.unreadable, [bad]);
  assert.equal(w.revoke(bad).refusal, undefined);
  assert.equal(w.decide({}).decision, 'permit');
});

void test('grants stay in the index until revoked (periods are sealed); the active count is capped', () => {
  const w = new World();
  const short = w.grant(drY({ type: 'permit', period: { end: addHours(T0, 1) } }));
  const later = w.grant(drY({ type: 'permit' }), { at: addHours(T0, 2) });
  assert.deepEqual(readIndex(w.state, PATIENT), [short, later]);
  assert.equal(w.book.read(w.state, PATIENT, short)?.status, 'active');
  for (let i = 2; i < MAX_ACTIVE_GRANTS; i++) w.grant(drY({ type: 'permit' }), { at: addHours(T0, 2) });
  assert.equal(w.run('grant', drY({ type: 'permit' }), { at: addHours(T0, 2) }).refusal?.code, 'RULE_VIOLATION');
  assert.equal(w.revoke(short).refusal, undefined);
  assert.equal(w.run('grant', drY({ type: 'permit' }), { at: addHours(T0, 2) }).refusal, undefined);
});

void test('decide reports unknown patients and inactive requesters; decideMany agrees with decide', () => {
  const w = new World();
  w.grant(drY({ type: 'permit', provisions: [{ type: 'deny', securityLabels: ['SUD'] }] }));
  assert.equal(w.decide({ patient: 'pt-ffffffffffffffffffffffffffffffff' }).reason, 'unknown-patient');
  assert.equal(w.decide({ requester: { orgId: 'nowhere', memberId: 'dr-y' } }).reason, 'requester-inactive');
  const resources = [
    { resourceType: 'Observation', securityLabels: [] },
    { resourceType: 'Condition', securityLabels: ['SUD'] },
    { resourceType: 'MedicationRequest', securityLabels: ['N'] },
  ];
  const q = request();
  const many = decideMany(w.state, q, resources, T0, w.book);
  assert.deepEqual(many, resources.map((r) => w.decide(r)));
  assert.deepEqual(many.map((d) => d.decision), ['permit', 'deny', 'permit']);
  assert.equal(prepareDecision(w.state, q, '2026-03-01T09:00:00+01:00', w.book)(resources[0]!).decision, 'permit');
  w.state.put('governance', `org/${HOSP}`, { orgId: HOSP, status: 'removed' });
  assert.equal(w.decide({}).reason, 'requester-inactive');
});
