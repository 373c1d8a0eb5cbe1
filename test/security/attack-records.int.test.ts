// Found by attacking `careledger demo` from outside after the issue 9 fixes:
// - break-glass is for emergency reads and documentation, not for deleting:
//   Dr Y (no consent) deleted a patient's Observation by sending the
//   break-glass headers with X-Delete-Reason;
// - a delegate whose delegation does not grant 'read' (only
//   'manage-consent') read the patient's accounting of disclosures (who
//   accessed the record, with break-glass reasons);
// - /patients/{p}/consents and /disclosures answered 403 for a registered
//   pseudonym and 404 for an unknown one: another patient could tell which
//   pseudonyms exist;
// - a FHIR create naming a pseudonym answered 403 for another custodian's
//   (or a self-enrolled) patient and 422 for an unknown one: a practitioner
//   could tell which pseudonyms are registered elsewhere, which the registry
//   route hides from it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { delegateIdForTx, pseudonymForTx } from '../../src/contracts/identity/index.js';
import { generateSigningKey } from '../../src/crypto/index.js';
import { observation, patientResource, startRecordsNode, type HttpResult, type Member, type Patient, type RecordsClient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drY: Member;
let P: Patient;
let Q: Patient;
const tokens = { x: '', y: '', q: '' };

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drY = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-y');
  P = await c.registerPatient(drX.key);
  Q = await c.registerPatient(drX.key);
  await c.tx(P.key, 'consent', 'grant', { patient: P.pseudonym, grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: drX.memberId }, provision: { type: 'permit' } });
  tokens.x = await c.memberToken(drX.key);
  tokens.y = await c.memberToken(drY.key);
  tokens.q = await c.patientToken(Q);
  assert.equal((await c.fhir(tokens.x, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym))).status, 201);
});

after(async () => {
  await fx?.close();
});

const ledgerGet = (token: string, path: string): Promise<HttpResult> => c.request('GET', `/ledger/v1/${path}`, { token, headers: { accept: 'application/json' } });

function assertNoSuchPatient(res: HttpResult): void {
  assert.equal(res.status, 404, res.text);
  assert.deepEqual(res.body, { error: { code: 'NOT_FOUND', message: 'no such patient' } });
}

describe('attack: break-glass does not delete', { timeout: 60_000 }, () => {
  it("Dr Y breaking the glass cannot delete P's Observation: 404 as for a missing one, and it stays readable", async () => {
    const created = await c.fhir(tokens.x, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 120));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const glass = { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': 'unconscious in the emergency department', 'x-delete-reason': 'entered on the wrong patient' };
    const del = await c.fhir(tokens.y, 'DELETE', `Observation/${id}`, undefined, glass);
    assert.equal(del.status, 404, del.text);
    assert.deepEqual(del.body.issue, [{ severity: 'error', code: 'not-found', details: { text: `Observation/${id} not found` }, expression: ['id'] }]);
    const missing = await c.fhir(tokens.y, 'DELETE', 'Observation/00000000-0000-4000-8000-000000000000', undefined, glass);
    assert.equal(missing.status, 404, missing.text);
    const read = await c.fhir(tokens.x, 'GET', `Observation/${id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.meta.versionId, '1');
    // Breaking the glass still lets Dr Y read (and document) in an emergency.
    const glassRead = await c.fhir(tokens.y, 'GET', `Observation/${id}`, undefined, { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': 'unconscious in the emergency department' });
    assert.equal(glassRead.status, 200, glassRead.text);
  });
});

describe("attack: a delegate without 'read' reads no disclosures", { timeout: 60_000 }, () => {
  it("a delegate holding only 'manage-consent' sees P's consents but not her accounting of disclosures", async () => {
    const key = generateSigningKey();
    const added = await c.tx(P.key, 'identity', 'add-delegate', { pseudonym: P.pseudonym, relationship: 'guardian', keys: [key.keyId], powers: ['manage-consent'] });
    assert.match(delegateIdForTx(added.txId), /\S/);
    const token = await c.patientToken({ ...P, key }, 'patient/Consent.cruds');
    const consents = await ledgerGet(token, `patients/${P.pseudonym}/consents`);
    assert.equal(consents.status, 200, consents.text);
    assert.equal((consents.body as { consents: unknown[] }).consents.length, 1);
    assertNoSuchPatient(await ledgerGet(token, `patients/${P.pseudonym}/disclosures`));
    assertNoSuchPatient(await ledgerGet(token, `patients/${P.pseudonym}/disclosures?format=bundle`));
  });
});

describe('attack: consents and disclosures are no existence oracle', { timeout: 60_000 }, () => {
  it("another patient and a practitioner without oversight get, for P's pseudonym, the answer of an unknown one", async () => {
    const unknown = 'pt-0123456789abcdef0123456789abcdef';
    for (const token of [tokens.q, tokens.y]) {
      for (const route of ['consents', 'disclosures']) {
        assertNoSuchPatient(await ledgerGet(token, `patients/${P.pseudonym}/${route}`));
        assertNoSuchPatient(await ledgerGet(token, `patients/${unknown}/${route}`));
      }
    }
  });
});

describe('attack: a create is no registry oracle', { timeout: 60_000 }, () => {
  it("Dr X creating for a patient registered elsewhere gets the answer of an unknown pseudonym", async () => {
    const self = generateSigningKey();
    const enrolled = await c.tx(self, 'identity', 'register-patient', { keys: [self.keyId] });
    const elsewhere = pseudonymForTx(enrolled.txId);
    const unknown = 'pt-0123456789abcdef0123456789abcdef';
    const a = await c.fhir(tokens.x, 'POST', 'Observation', observation(elsewhere, '8480-6', 1));
    const b = await c.fhir(tokens.x, 'POST', 'Observation', observation(unknown, '8480-6', 1));
    assert.equal(a.status, 422, a.text);
    assert.equal(b.status, 422, b.text);
    assert.deepEqual(a.body, b.body);
    assert.deepEqual(a.body.issue, [{ severity: 'error', code: 'processing', details: { text: 'the referenced patient is not registered at this custodian (identity/register-patient)' }, expression: ['patient'] }]);
  });
});
