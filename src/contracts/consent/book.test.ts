// The ConsentBook's fail-closed rule: one active grant that cannot be opened
// makes every decision for its patient deny ('consent-unreadable'), reported
// once by id; other patients are unaffected; revoking it restores decisions;
// the patient's view marks it unreadable without content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateX25519PrivateKey, toBase64Url, x25519PublicBytes } from '../../crypto/index.js';
import { sealConsentBody } from './sealed.js';
import { readSealedGrant } from './state.js';
import { NETWORK, OTHER_PATIENT, PATIENT, KEYS, World, drY } from '../../../test/helpers/consent-world.js';

void test('an unreadable active grant denies every decision for its patient until revoked', () => {
  const w = new World();
  const good = w.grant(drY({ type: 'permit' }));
  w.grant(drY({ type: 'permit' }, OTHER_PATIENT), { signer: KEYS.otherPatient });
  // Sealed to another key (e.g. a client that used a stale custodian key).
  const stranger = toBase64Url(x25519PublicBytes(generateX25519PrivateKey()));
  const body = { grantee: { kind: 'practitioner', orgId: 'hosp-a', memberId: 'dr-y' }, provision: { type: 'deny' }, salt: 'AAAAAAAAAAAAAAAAAAAAAA' };
  const r = w.run('grant', sealConsentBody(NETWORK, PATIENT, stranger, body));
  assert.equal(r.refusal, undefined);
  const bad = String(r.events[0]?.data['consentId']);
  assert.deepEqual(w.decide({}), { decision: 'deny', consentIds: [], reason: 'consent-unreadable' });
  assert.deepEqual(w.decide({ requester: { orgId: 'clinic-b', memberId: 'dr-w' } }), { decision: 'deny', consentIds: [], reason: 'consent-unreadable' });
  assert.equal(w.decide({ patient: OTHER_PATIENT }).decision, 'permit');
  w.decide({});
  assert.deepEqual(w.unreadable, [bad]);
  const view = w.book.view([readSealedGrant(w.state, PATIENT, good)!, readSealedGrant(w.state, PATIENT, bad)!]);
  assert.deepEqual(view.map((v) => v.readable), [true, false]);
  assert.deepEqual(Object.keys(view[1]!).sort(), ['consentId', 'grantedAt', 'grantedBy', 'patient', 'readable', 'status']);
  assert.equal(w.revoke(bad).refusal, undefined);
  assert.deepEqual(w.decide({}), { decision: 'permit', consentIds: [good], reason: 'permitted' });
});
