// The consent contract honours a delegation's powers and end rules (issue 9
// finding 1): a delegate grants or revokes only with 'manage-consent', and an
// organisation appointment stops when an appointing member loses its role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '../../ledger/contract.js';
import { DELEGATE, HOSP, KEYS, PATIENT, T0, World, drY } from '../../../test/helpers/consent-world.js';

const permit = { type: 'permit' as const, resourceTypes: ['Observation'], purposes: ['TREAT' as const] };
const grantBy = (w: World) => w.run('grant', drY(permit), { signer: KEYS.delegate }).refusal?.code;

/** An appointment of HOSP proposed by member 'boss' (org-admin) and approved by 'po' (privacy-officer). */
function orgAppointed(w: World): void {
  for (const [memberId, role] of [['boss', 'org-admin'], ['po', 'privacy-officer']] as const) {
    w.state.put('identity', `member/${HOSP}/${memberId}`, { orgId: HOSP, memberId, roles: [role], keys: [], status: 'active' });
  }
  w.setDelegate({
    appointment: {
      by: 'org', orgId: HOSP, legalBasis: 'minor-parental-authority', reference: 'file 12',
      proposedBy: { memberId: 'boss', keyId: KEYS.admin, role: 'org-admin' }, proposedAt: T0,
      approvedBy: { memberId: 'po', keyId: KEYS.member, role: 'privacy-officer' }, approvedAt: T0,
    },
  });
}

test("a delegate without 'manage-consent' may not grant or revoke", () => {
  const w = new World();
  const id = w.grant(drY(permit));
  w.setDelegate({ powers: ['read'] });
  assert.equal(grantBy(w), 'UNAUTHORIZED');
  assert.equal(w.revoke(id, { signer: KEYS.delegate }).refusal?.code, 'UNAUTHORIZED');
  w.setDelegate({ powers: ['manage-consent'] });
  assert.equal(grantBy(w), undefined);
  assert.equal(w.revoke(id, { signer: KEYS.delegate }).refusal, undefined);
});

test('an org-appointed delegate manages consents until an appointer loses its role or the org goes', () => {
  const w = new World();
  orgAppointed(w);
  assert.equal(grantBy(w), undefined);
  w.state.put('identity', `member/${HOSP}/po`, { orgId: HOSP, memberId: 'po', roles: ['privacy-officer'], keys: [], status: 'inactive' });
  assert.equal(grantBy(w), 'UNAUTHORIZED');
  orgAppointed(w);
  w.state.put('identity', `member/${HOSP}/boss`, { orgId: HOSP, memberId: 'boss', roles: ['practitioner'], keys: [], status: 'active' });
  assert.equal(grantBy(w), 'UNAUTHORIZED');
  orgAppointed(w);
  w.state.put('governance', `org/${HOSP}`, { orgId: HOSP, status: 'removed' });
  assert.equal(grantBy(w), 'UNAUTHORIZED');
});

test('a pending appointment or a record without an appointment never manages consents', () => {
  const w = new World();
  orgAppointed(w);
  w.setDelegate({ status: 'pending' });
  assert.equal(grantBy(w), 'UNAUTHORIZED');
  const key = `delegate/${PATIENT}/${DELEGATE}`;
  const legacy: { [k: string]: JsonValue } = { ...(w.state.get('identity', key) as { [k: string]: JsonValue }), status: 'active' };
  delete legacy['appointment'];
  w.state.put('identity', key, legacy);
  assert.equal(grantBy(w), 'UNAUTHORIZED');
});
