// Issue 9, finding 4, reproduced over HTTP against a real node: Dr Y, a
// practitioner of the custodian without any consent of P, updated an
// Observation (PUT with If-Match) and deleted one, and 403/404/412 told him
// which ids and versions exist. Now both are refused, with the answer of a
// missing resource or version, identical for existing and missing ones;
// deletes need the custodian's authority and a reason, and are audited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { observation, startRecordsNode, type HttpResult, type Member, type Patient, type RecordsClient, type RecordsNode } from '../records/fixture.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drY: Member;
let admin: Member;
let P: Patient;
let obsId = '';
const tokens = { x: '', y: '', admin: '' };
const MISSING = 'no-such-observation';

/** What a refusal tells: status, issue code, text with the id masked. */
function answer(res: HttpResult, id: string): [number, string, string] {
  assert.equal(res.body?.resourceType, 'OperationOutcome', res.text);
  return [res.status, res.body.issue[0].code, String(res.body.issue[0].details.text).split(id).join('<id>')];
}

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drY = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-y');
  admin = await c.registerMember(fx.adminKey, ['org-admin'], 'records-admin');
  P = await c.registerPatient(drX.key);
  await c.allowWrites(P, fx.orgId, drX.memberId);
  tokens.x = await c.memberToken(drX.key);
  tokens.y = await c.memberToken(drY.key);
  tokens.admin = await c.memberToken(admin.key);
  const created = await c.fhir(tokens.x, 'POST', 'Observation', observation(P.pseudonym, '8867-4', 72));
  assert.equal(created.status, 201, created.text);
  obsId = created.body.id;
  const v2 = await c.fhir(tokens.x, 'PUT', `Observation/${obsId}`, { ...created.body, status: 'amended' }, { 'if-match': 'W/"1"' });
  assert.equal(v2.status, 200, v2.text);
});

after(async () => {
  await fx?.close();
});

describe('finding 4: writes need consent', { timeout: 120_000 }, () => {
  it('Dr Y without consent: PUT with If-Match and DELETE are refused, nothing changes', async () => {
    const body = { ...observation(P.pseudonym, '8867-4', 250), id: obsId };
    const put = await c.fhir(tokens.y, 'PUT', `Observation/${obsId}`, body, { 'if-match': 'W/"2"' });
    assert.deepEqual(answer(put, obsId), [404, 'not-found', 'Observation/<id> not found']);
    const del = await c.fhir(tokens.y, 'DELETE', `Observation/${obsId}`, undefined, { 'x-delete-reason': 'duplicate entry' });
    assert.deepEqual(answer(del, obsId), [404, 'not-found', 'Observation/<id> not found']);
    const post = await c.fhir(tokens.y, 'POST', 'Observation', observation(P.pseudonym, '8867-4', 1));
    assert.equal(post.status, 403, post.text);
    const now = await c.fhir(await c.patientToken(P), 'GET', `Observation/${obsId}`);
    assert.equal(now.body.meta.versionId, '2');
    assert.equal(now.body.status, 'amended');
  });

  it('non-oracle: the same answer for an existing and a missing id and version, whatever the If-Match', async () => {
    const body = (id: string) => ({ ...observation(P.pseudonym, '8867-4', 250), id });
    const cases: Array<[string, (id: string) => Promise<HttpResult>, string?]> = [
      ['read', (id) => c.fhir(tokens.y, 'GET', `Observation/${id}`)],
      ['vread existing version vs missing id', (id) => c.fhir(tokens.y, 'GET', `Observation/${id}/_history/1`)],
      ['history', (id) => c.fhir(tokens.y, 'GET', `Observation/${id}/_history`)],
      ['update', (id) => c.fhir(tokens.y, 'PUT', `Observation/${id}`, body(id))],
      ['update If-Match current', (id) => c.fhir(tokens.y, 'PUT', `Observation/${id}`, body(id), { 'if-match': 'W/"2"' })],
      ['update If-Match stale', (id) => c.fhir(tokens.y, 'PUT', `Observation/${id}`, body(id), { 'if-match': 'W/"1"' })],
      ['update If-Match future', (id) => c.fhir(tokens.y, 'PUT', `Observation/${id}`, body(id), { 'if-match': 'W/"9"' })],
      ['delete', (id) => c.fhir(tokens.y, 'DELETE', `Observation/${id}?reason=duplicate%20entry`)],
    ];
    for (const [what, call] of cases) {
      const existing = answer(await call(obsId), obsId);
      const missing = answer(await call(MISSING), MISSING);
      assert.deepEqual(existing, [404, 'not-found', 'Observation/<id> not found'], what);
      assert.deepEqual(missing, existing, what);
    }
    // Versions: an existing version and a missing one of the same resource.
    const v1 = answer(await c.fhir(tokens.y, 'GET', `Observation/${obsId}/_history/1`), obsId);
    const v9 = answer(await c.fhir(tokens.y, 'GET', `Observation/${obsId}/_history/9`), obsId);
    assert.deepEqual(v9, v1);
  });

  it('with a consent for correct, Dr Y updates; If-Match is checked for him', async () => {
    await c.tx(P.key, 'consent', 'grant', {
      patient: P.pseudonym, grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: drY.memberId }, provision: { type: 'permit', actions: ['access', 'correct'] },
    });
    const current = await c.fhir(tokens.y, 'GET', `Observation/${obsId}`);
    assert.equal(current.status, 200, current.text);
    const stale = await c.fhir(tokens.y, 'PUT', `Observation/${obsId}`, { ...current.body, status: 'final' }, { 'if-match': 'W/"1"' });
    assert.equal(stale.status, 412, stale.text);
    const ok = await c.fhir(tokens.y, 'PUT', `Observation/${obsId}`, { ...current.body, status: 'final' }, { 'if-match': 'W/"2"' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.meta.versionId, '3');
  });

  it("deletes: a reason is required; the custodian's org admin deletes; the delete is an access event", async () => {
    const noReason = await c.fhir(tokens.admin, 'DELETE', `Observation/${obsId}`);
    assert.equal(noReason.status, 422, noReason.text);
    const latin = await c.fhir(tokens.admin, 'DELETE', `Observation/${obsId}`, undefined, { 'x-delete-reason': "UTF-8''saisi%20deux%20fois%20%E2%80%94%20doublon" });
    assert.equal(latin.status, 204, latin.text);
    const tokenP = await c.patientToken(P);
    const gone = await c.fhir(tokenP, 'GET', `Observation/${obsId}`);
    assert.equal(gone.status, 410);
    const history = await c.fhir(tokenP, 'GET', `Observation/${obsId}/_history`);
    assert.equal(history.body.entry[0].request.method, 'DELETE');
    await fx.records.repository.flush();
    // The custodian's access log (the ledger holds only its blinded chain heads).
    const rows = fx.records.repository.accessLog.events(P.pseudonym) as unknown as Array<{ interaction: string; accessor: { memberId?: string } }>;
    const deletes = rows.filter((e) => e.interaction === 'delete');
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0]?.accessor.memberId, admin.memberId);
    assert.ok(!JSON.stringify(rows).includes('doublon'), 'the reason is sealed in the tombstone, not in the access log');
    const ledgerText = fx.opened.store.scanState('access', '', 10_000).map((r) => r.key + r.value).join('\n');
    assert.ok(!ledgerText.includes('doublon') && !ledgerText.includes(P.pseudonym), 'neither the reason nor the patient is on the ledger');
  });
});
