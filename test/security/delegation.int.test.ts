// Issue 9 finding 1, against a real node over HTTP: Dr Y, a practitioner of
// the custodian without consent, can no longer make himself a patient's
// delegate, rotate the patient's key or erase the patient; an organisation
// appoints a delegate only with an org admin and a privacy officer, each
// signing, which both see in their delegation lists; the delegate signs in
// and reads, and stops working when the approving privacy officer is
// deactivated, or when the delegation's end date passes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PATIENT_AUTH_DOMAIN } from '../../src/auth/index.js';
import { delegateIdForTx } from '../../src/contracts/identity/index.js';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { observation, patientResource, poll, startRecordsNode, type HttpResult, type Member, type Patient, type RecordsClient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drY: Member;
let boss: Member;
let po: Member;
let po2: Member;
let P: Patient;
let obsId = '';
const tokens = { x: '', y: '', po: '', p: '' };

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drY = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-y');
  boss = await c.registerMember(fx.adminKey, ['org-admin'], 'admin-1');
  po = await c.registerMember(fx.adminKey, ['privacy-officer'], 'privacy-1');
  po2 = await c.registerMember(fx.adminKey, ['privacy-officer'], 'privacy-2');
  P = await c.registerPatient(drX.key);
  // P lets Dr X (her practitioner) keep her record; Dr Y has no consent at all.
  await c.tx(P.key, 'consent', 'grant', { patient: P.pseudonym, grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: drX.memberId }, provision: { type: 'permit' } });
  tokens.x = await c.memberToken(drX.key);
  tokens.y = await c.memberToken(drY.key);
  tokens.po = await c.memberToken(po.key, 'system/AuditEvent.rs');
  tokens.p = await c.patientToken(P);
  assert.equal((await c.fhir(tokens.x, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym))).status, 201);
  const created = await c.fhir(tokens.x, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 120));
  assert.equal(created.status, 201, created.text);
  obsId = created.body.id as string;
});

after(async () => {
  await fx?.close();
});

/** Patient sign-in with a delegate's (or anyone's) key, returning the raw answer. */
async function signIn(key: SigningKey): Promise<HttpResult> {
  const ch = await c.request('POST', '/auth/challenge');
  assert.equal(ch.status, 200, ch.text);
  const challenge = (ch.body as { challenge: string }).challenge;
  const payload = { aud: c.tokenUrl, challenge, keyId: key.keyId, pseudonym: P.pseudonym };
  const signature = toBase64Url(signCanonical(key, PATIENT_AUTH_DOMAIN, payload));
  return c.request('POST', '/auth/patient-token', { body: { pseudonym: P.pseudonym, keyId: key.keyId, challenge, signature }, contentType: 'application/json' });
}

const readObs = (token: string) => c.fhir(token, 'GET', `Observation/${obsId}`);
const ledgerGet = (token: string, path: string) => c.request('GET', `/ledger/v1/${path}`, { token, headers: { accept: 'application/json' } });

/** boss proposes, po (or po2) approves; returns the delegate id and key. */
async function appoint(approver: Member, extra: Record<string, unknown> = {}): Promise<{ delegateId: string; key: SigningKey }> {
  const key = generateSigningKey();
  const args = { pseudonym: P.pseudonym, relationship: 'guardian', keys: [key.keyId], legalBasis: 'minor-parental-authority', reference: 'Family court file 42', ...extra };
  const proposed = await c.tx(boss.key, 'identity', 'propose-delegate', args);
  const delegateId = delegateIdForTx(proposed.txId);
  await c.tx(approver.key, 'identity', 'approve-delegate', { pseudonym: P.pseudonym, delegateId });
  return { delegateId, key };
}

describe('finding 1: no practitioner can make himself a delegate; an org appoints only with two people', { timeout: 120_000 }, () => {
  it('Dr Y cannot add a delegate, rotate the patient key or erase the patient', async () => {
    const guardian = generateSigningKey();
    await c.tx(drY.key, 'identity', 'add-delegate', { pseudonym: P.pseudonym, relationship: 'guardian', keys: [guardian.keyId] }, 'UNAUTHORIZED');
    await c.tx(drY.key, 'identity', 'rotate-key', { oldKeyId: P.key.keyId, newKeyId: generateSigningKey().keyId }, 'UNAUTHORIZED');
    await c.tx(drY.key, 'identity', 'erase-patient', { pseudonym: P.pseudonym }, 'UNAUTHORIZED');
    // Nor alone through the organisation's door, nor with the org admin's key.
    const args = { pseudonym: P.pseudonym, relationship: 'guardian', keys: [guardian.keyId], legalBasis: 'court-appointed-guardian', reference: 'x' };
    await c.tx(drY.key, 'identity', 'propose-delegate', args, 'UNAUTHORIZED');
    await c.tx(fx.adminKey, 'identity', 'add-delegate', { pseudonym: P.pseudonym, relationship: 'guardian', keys: [guardian.keyId] }, 'UNAUTHORIZED');
    // The key never became anything: no sign-in as the patient.
    const res = await signIn(guardian);
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, { error: 'invalid_grant' });
    assert.equal((await readObs(tokens.p)).status, 200); // the patient still holds her key
  });

  it('a proposal alone does nothing; the proposer cannot approve it; the privacy officer may reject it', async () => {
    const key = generateSigningKey();
    const args = { pseudonym: P.pseudonym, relationship: 'guardian', keys: [key.keyId], legalBasis: 'minor-parental-authority', reference: 'Family court file 42' };
    const proposed = await c.tx(boss.key, 'identity', 'propose-delegate', args);
    const delegateId = delegateIdForTx(proposed.txId);
    assert.deepEqual((await signIn(key)).body, { error: 'invalid_grant' });
    await c.tx(boss.key, 'identity', 'approve-delegate', { pseudonym: P.pseudonym, delegateId }, 'UNAUTHORIZED');
    await c.tx(drY.key, 'identity', 'approve-delegate', { pseudonym: P.pseudonym, delegateId }, 'UNAUTHORIZED');
    await c.tx(po.key, 'identity', 'reject-delegate', { pseudonym: P.pseudonym, delegateId, reason: 'no court order on file' });
    await c.tx(po.key, 'identity', 'approve-delegate', { pseudonym: P.pseudonym, delegateId }, 'CONFLICT');
  });

  it('the appointment shows in the patient\'s and the privacy officer\'s lists; the delegate reads until the approver is deactivated', async () => {
    const { delegateId, key } = await appoint(po);
    const expected = {
      pseudonym: P.pseudonym, delegateId, relationship: 'guardian', powers: ['read', 'manage-consent'], status: 'active', endReason: null,
      keys: [key.keyId], validUntil: null, appointedBy: 'org', orgId: fx.orgId, legalBasis: 'minor-parental-authority', reference: 'Family court file 42',
      proposedBy: { memberId: boss.memberId, keyId: boss.key.keyId, role: 'org-admin' },
      approvedBy: { memberId: po.memberId, keyId: po.key.keyId, role: 'privacy-officer' },
    };
    const pick = (list: Array<Record<string, unknown>>) => {
      const row = list.find((d) => d['delegateId'] === delegateId);
      assert.ok(row);
      const { proposedAt, approvedAt, endedAt, ...rest } = row;
      assert.equal(typeof proposedAt, 'string');
      assert.equal(typeof approvedAt, 'string');
      assert.equal(endedAt, null);
      return rest;
    };
    const mine = await ledgerGet(tokens.p, `patients/${P.pseudonym}/delegations`);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(pick(mine.body.delegations), expected);
    const queue = await ledgerGet(tokens.po, `orgs/${fx.orgId}/delegations`);
    assert.equal(queue.status, 200, queue.text);
    assert.deepEqual(pick(queue.body.delegations), expected);
    assert.deepEqual(queue.body.delegations.map((d: { status: string }) => d.status), ['ended', 'active']); // the rejected one, then this one
    // Nobody else: Dr Y gets the same 404 as for an unknown patient, and 403 on the org list.
    const other = await ledgerGet(tokens.y, `patients/${P.pseudonym}/delegations`);
    const unknown = await ledgerGet(tokens.y, `patients/pt-${'0'.repeat(32)}/delegations`);
    assert.equal(other.status, 404);
    assert.deepEqual(other.body, unknown.body);
    assert.equal((await ledgerGet(tokens.y, `orgs/${fx.orgId}/delegations`)).status, 403);
    assert.equal((await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/delegations`)).status, 401);
    // The notice: in the patient's accounting of disclosures and in the privacy officer's queue.
    const disclosures = await ledgerGet(tokens.p, `patients/${P.pseudonym}/disclosures`);
    assert.equal(disclosures.status, 200, disclosures.text);
    assert.deepEqual(pick(disclosures.body.appointments), expected);
    const btgQueue = await ledgerGet(tokens.po, `orgs/${fx.orgId}/break-glass?status=all`);
    assert.equal(btgQueue.status, 200, btgQueue.text);
    assert.deepEqual(pick(btgQueue.body.appointments), expected);
    // Dr Y asking for the disclosures: the answer of an unknown patient.
    const theirs = await ledgerGet(tokens.y, `patients/${P.pseudonym}/disclosures`);
    const nobody = await ledgerGet(tokens.y, `patients/pt-${'0'.repeat(32)}/disclosures`);
    assert.deepEqual([theirs.status, theirs.body], [404, nobody.body]);

    const signedIn = await signIn(key);
    assert.equal(signedIn.status, 200, signedIn.text);
    const token = (signedIn.body as { access_token: string }).access_token;
    assert.equal((await readObs(token)).status, 200);
    assert.equal((await ledgerGet(token, `patients/${P.pseudonym}/delegations`)).status, 200);

    await c.tx(fx.adminKey, 'identity', 'deactivate-member', { memberId: po.memberId });
    const refused = await readObs(token);
    assert.equal(refused.status, 401, refused.text);
    assert.deepEqual((await signIn(key)).body, { error: 'invalid_grant' });
    const after = await ledgerGet(tokens.p, `patients/${P.pseudonym}/delegations`);
    const row = (after.body.delegations as Array<Record<string, unknown>>).find((d) => d['delegateId'] === delegateId);
    assert.equal(row?.['status'], 'ended');
    assert.equal(row?.['endReason'], 'appointer-inactive');
  });

  it('a delegation stops at its end date', async () => {
    const validUntil = new Date(Date.now() + 4_000).toISOString();
    const { key } = await appoint(po2, { validUntil });
    const signedIn = await signIn(key);
    assert.equal(signedIn.status, 200, signedIn.text);
    const token = (signedIn.body as { access_token: string }).access_token;
    assert.equal((await readObs(token)).status, 200);
    await poll(async () => (Date.now() > Date.parse(validUntil) + 50 ? true : undefined), 'the end date', 10_000);
    assert.equal((await readObs(token)).status, 401);
    assert.deepEqual((await signIn(key)).body, { error: 'invalid_grant' });
  });
});
