// Acceptance of the health-records issue, written as a clinic and a patient
// would act, over real HTTP against a node with the records side: org A's
// admin registers three practitioners and a privacy officer; Dr X enrols
// patient P and writes her record; Dr Y is refused until P consents, then
// sees exactly what the consent covers (a PSY deny wins over the permit),
// nothing once it is revoked or has expired; Dr Z breaks the glass, which is
// flagged, reported to P and queued for A's privacy officer, who reviews it;
// P's accounting of disclosures lists every access, exactly, and verifies
// against the chain head A anchored on the ledger.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyAccessReport } from '../../src/contracts/access/index.js';
import { consentIdForTx } from '../../src/contracts/consent/index.js';
import { PSY_LABEL, condition, observation, patientResource, poll, startRecordsNode, type HttpResult, type Json, type Member, type Patient, type RecordsClient, type RecordsNode } from './fixture.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drY: Member;
let drZ: Member;
let officer: Member;
let P: Patient;
const tokens: Record<'x' | 'y' | 'z' | 'officer' | 'p', string> = { x: '', y: '', z: '', officer: '', p: '' };
/** Observation ids: two plain, one PSY-labelled; Condition ids. */
const obs: string[] = [];
let psyObs = '';
const conds: string[] = [];
let grantId = '';
let writeGrantId = '';
let btgEventId = '';
const REASON = 'unconscious patient in the emergency department';

/** What the test did, per accessor and interaction: the expected accounting of disclosures. */
const expected = new Map<string, number>();
const count = (recipient: string, interaction: string, n = 1): void => {
  const k = `${recipient} ${interaction}`;
  expected.set(k, (expected.get(k) ?? 0) + n);
};

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drY = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-y');
  drZ = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-z');
  officer = await c.registerMember(fx.adminKey, ['privacy-officer'], 'privacy-1');
  P = await c.registerPatient(drX.key);
  // Writes need the patient's consent (issue 9, finding 4): P lets Dr X write her record.
  writeGrantId = await c.allowWrites(P, fx.orgId, drX.memberId);
  tokens.x = await c.memberToken(drX.key);
  tokens.y = await c.memberToken(drY.key, 'system/*.rs');
  tokens.z = await c.memberToken(drZ.key, 'system/*.rs');
  tokens.officer = await c.memberToken(officer.key, 'system/AuditEvent.rs');
  tokens.p = await c.patientToken(P);
});

after(async () => {
  await fx?.close();
});

function assertOutcome(res: HttpResult, status: number, issueCode: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/fhir+json');
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].severity, 'error');
  assert.equal(res.body.issue[0].code, issueCode);
}

function idsOf(bundle: Json): string[] {
  return ((bundle.entry ?? []) as Json[]).map((e) => e.resource.id as string).sort();
}

async function grant(provision: Record<string, unknown>): Promise<string> {
  const args = { patient: P.pseudonym, grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: drY.memberId }, provision };
  const result = await c.tx(P.key, 'consent', 'grant', args);
  return consentIdForTx(result.txId);
}

describe('a clinic and a patient, over HTTP', { timeout: 120_000 }, () => {
  it('Dr X enrols P and writes her record: Patient by PUT, Observations (one PSY), Conditions', async () => {
    const put = await c.fhir(tokens.x, 'PUT', `Patient/${P.pseudonym}`, patientResource(P.pseudonym, { gender: 'female', birthDate: '1980-02-02' }));
    assert.equal(put.status, 201, put.text);
    assert.equal(put.body.id, P.pseudonym);
    assert.equal(put.body.meta.versionId, '1');
    assert.equal(put.headers.get('etag'), 'W/"1"');
    count('org1/dr-x', 'create');
    const bodies = [
      observation(P.pseudonym, '8480-6', 120),
      observation(P.pseudonym, '8462-4', 80),
      observation(P.pseudonym, '44249-1', 14, { meta: { security: [PSY_LABEL] } }),
    ];
    for (const body of bodies) {
      const res = await c.fhir(tokens.x, 'POST', 'Observation', body);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `${c.fhirBase}/Observation/${res.body.id}/_history/1`);
      obs.push(res.body.id as string);
      count('org1/dr-x', 'create');
    }
    psyObs = obs.pop() as string;
    for (const code of ['38341003', '73211009']) {
      const res = await c.fhir(tokens.x, 'POST', 'Condition', condition(P.pseudonym, code));
      assert.equal(res.status, 201, res.text);
      conds.push(res.body.id as string);
      count('org1/dr-x', 'create');
    }
    // A patient not registered on the ledger cannot be written to.
    const stray = await c.fhir(tokens.x, 'PUT', 'Patient/pt-00000000000000000000000000000000', patientResource('pt-00000000000000000000000000000000'));
    assertOutcome(stray, 422, 'processing');
  });

  it('Dr Y without a grant: 404 OperationOutcome on read (as a missing id; issue 9 finding 4), nothing in search', async () => {
    assertOutcome(await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`), 404, 'not-found');
    assertOutcome(await c.fhir(tokens.y, 'GET', `Condition/${conds[0]}`), 404, 'not-found');
    assertOutcome(await c.fhir(tokens.y, 'GET', `Patient/${P.pseudonym}`), 404, 'not-found');
    for (const type of ['Observation', 'Condition']) {
      const s = await c.fhir(tokens.y, 'GET', `${type}?patient=${P.pseudonym}`);
      assert.equal(s.status, 200, s.text);
      assert.equal(s.body.type, 'searchset');
      assert.equal(s.body.total, 0);
      assert.deepEqual(idsOf(s.body), []);
    }
    // Y's token has no write scope; and Y is not X's patient's writer anyway.
    assertOutcome(await c.fhir(tokens.y, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 1)), 403, 'forbidden');
  });

  it('P grants Dr Y read of Observations for TREAT for one day: exactly those', async () => {
    const now = Date.now();
    grantId = await grant({
      type: 'permit',
      actions: ['access'],
      resourceTypes: ['Observation'],
      purposes: ['TREAT'],
      period: { start: new Date(now - 1000).toISOString(), end: new Date(now + 86_400_000).toISOString() },
    });
    const consents = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/consents`, { token: tokens.p });
    assert.equal(consents.status, 200, consents.text);
    assert.deepEqual((consents.body.consents as Json[]).map((g) => [g.consentId, g.status]), [[writeGrantId, 'active'], [grantId, 'active']].sort());

    const s = await c.fhir(tokens.y, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(s.status, 200, s.text);
    // The grant names no label: the PSY Observation stays out (issue 9, finding 2).
    assert.equal(s.body.total, 2);
    assert.deepEqual(idsOf(s.body), [...obs].sort());
    count('org1/dr-y', 'search');
    const read = await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.valueQuantity.value, 120);
    count('org1/dr-y', 'read');
    // Not Conditions, not the Patient resource, not another purpose.
    assertOutcome(await c.fhir(tokens.y, 'GET', `Condition/${conds[0]}`), 404, 'not-found');
    assertOutcome(await c.fhir(tokens.y, 'GET', `Patient/${P.pseudonym}`), 404, 'not-found');
    const cs = await c.fhir(tokens.y, 'GET', `Condition?patient=${P.pseudonym}`);
    assert.equal(cs.body.total, 0);
    assertOutcome(await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`, undefined, { 'x-purpose-of-use': 'HPAYMT' }), 404, 'not-found');
  });

  it('a deny provision for PSY-labelled data wins over the permit', async () => {
    await grant({ type: 'deny', securityLabels: ['PSY'] });
    assertOutcome(await c.fhir(tokens.y, 'GET', `Observation/${psyObs}`), 404, 'not-found');
    const s = await c.fhir(tokens.y, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.body.total, 2);
    assert.deepEqual(idsOf(s.body), [...obs].sort());
    for (const e of s.body.entry as Json[]) assert.equal(e.resource.meta.security, undefined);
    count('org1/dr-y', 'search');
    const read = await c.fhir(tokens.y, 'GET', `Observation/${obs[1]}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.valueQuantity.value, 80);
    count('org1/dr-y', 'read');
  });

  it('after P revokes, Dr Y is denied from the next block', async () => {
    const before = fx.node.head.height;
    const revoke = await c.tx(P.key, 'consent', 'revoke', { patient: P.pseudonym, consentId: grantId });
    assert.ok(revoke.height > before);
    // The revocation is committed: the very next read decides on the state of its block.
    assert.ok(fx.node.head.height >= revoke.height);
    assertOutcome(await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`), 404, 'not-found');
    const s = await c.fhir(tokens.y, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(s.body.total, 0);
    const consents = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/consents`, { token: tokens.p });
    const revoked = (consents.body.consents as Json[]).find((g) => g.consentId === grantId);
    assert.equal(revoked.status, 'revoked');
    // Revoking twice is a conflict recorded in its block.
    await c.tx(P.key, 'consent', 'revoke', { patient: P.pseudonym, consentId: grantId }, 'CONFLICT');
  });

  it('an expired grant denies; a grant already ended is refused by the custodian before ordering', async () => {
    const now = Date.now();
    const ended = await c.postConsent(P.key, {
      patient: P.pseudonym,
      grantee: { kind: 'practitioner', orgId: fx.orgId, memberId: drY.memberId },
      provision: { type: 'permit', resourceTypes: ['Observation'], period: { start: new Date(now - 60_000).toISOString(), end: new Date(now - 1000).toISOString() } },
    });
    assert.equal(ended.status, 422, ended.text);
    assert.equal((ended.body as { error: { code: string } }).error.code, 'RULE_VIOLATION');
    const end = Date.now() + 2000;
    await grant({ type: 'permit', resourceTypes: ['Observation'], purposes: ['TREAT'], period: { end: new Date(end).toISOString() } });
    const read = await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`);
    assert.equal(read.status, 200, read.text);
    count('org1/dr-y', 'read');
    await poll(() => (Date.now() > end + 20 ? true : undefined), 'the grant to end', 5000);
    assertOutcome(await c.fhir(tokens.y, 'GET', `Observation/${obs[0]}`), 404, 'not-found');
  });

  it("Dr Z's break-glass read is allowed and flagged; without a reason it is refused", async () => {
    assertOutcome(await c.fhir(tokens.z, 'GET', `Observation/${psyObs}`), 404, 'not-found');
    assertOutcome(await c.fhir(tokens.z, 'GET', `Observation/${psyObs}`, undefined, { 'x-purpose-of-use': 'BTG' }), 403, 'forbidden');
    const res = await c.fhir(tokens.z, 'GET', `Observation/${psyObs}`, undefined, { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': REASON });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, psyObs);
    assert.deepEqual(res.body.meta.security, [PSY_LABEL]);
    count('org1/dr-z', 'read');
  });

  it('P reads her own record', async () => {
    const res = await c.fhir(tokens.p, 'GET', `Condition/${conds[1]}`);
    assert.equal(res.status, 200, res.text);
    count(`patient/${P.pseudonym}`, 'read');
    assertOutcome(await c.fhir(tokens.p, 'POST', 'Observation', observation(P.pseudonym, '8480-6', 1)), 403, 'forbidden');
  });

  it("the break-glass access is in P's disclosures and A's review queue; the officer reviews it", async () => {
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const report = await poll(async () => {
      const r = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures`, { token: tokens.p });
      assert.equal(r.status, 200, r.text);
      return (r.body.disclosures as Json[]).length >= total ? (r.body as Json) : undefined;
    }, 'the access outbox to flush');
    assert.equal(fx.records.repository.pendingAccessEvents(), 0);
    const rows = report.disclosures as Json[];
    const bg = rows.filter((r) => r.breakGlass !== null);
    assert.equal(bg.length, 1);
    assert.equal(bg[0].recipient, 'org1/dr-z');
    assert.equal(bg[0].breakGlass, REASON);
    assert.equal(bg[0].purpose, 'ETREAT');
    assert.equal(bg[0].interaction, 'read');
    assert.equal(bg[0].description, 'read of 1 record version (Observation)');
    btgEventId = bg[0].eventId as string;

    // Only overseers of the custodian see the queue.
    const denied = await c.request('GET', `/ledger/v1/orgs/${fx.orgId}/break-glass`, { token: tokens.y });
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.body.error.code, 'FORBIDDEN');
    const queue = await c.request('GET', `/ledger/v1/orgs/${fx.orgId}/break-glass`, { token: tokens.officer });
    assert.equal(queue.status, 200, queue.text);
    assert.equal(queue.body.status, 'pending');
    assert.equal(queue.body.items.length, 1);
    const item = queue.body.items[0];
    assert.deepEqual(
      { eventId: item.eventId, patient: item.patient, accessor: item.accessor, reason: item.reason, status: item.status, anchored: item.anchored },
      { eventId: btgEventId, patient: P.pseudonym, accessor: { kind: 'member', orgId: fx.orgId, memberId: drZ.memberId }, reason: REASON, status: 'pending', anchored: true },
    );
    // On the ledger the event is an opaque reference; the node attests the officer is not the accessor.
    assert.match(item.ref, /^[0-9a-f]{64}$/);
    assert.equal(typeof item.attestation.sig, 'string');
    const review = { ref: item.ref, outcome: 'justified', attestation: item.attestation };

    // Dr Z cannot review it; the officer can, once.
    await c.tx(drZ.key, 'access', 'review-break-glass', review, 'UNAUTHORIZED');
    await c.tx(officer.key, 'access', 'review-break-glass', review);
    await c.tx(officer.key, 'access', 'review-break-glass', { ...review, outcome: 'unjustified' }, 'CONFLICT');
    const pending = await c.request('GET', `/ledger/v1/orgs/${fx.orgId}/break-glass`, { token: tokens.officer });
    assert.deepEqual(pending.body.items, []);
    const reviewed = await c.request('GET', `/ledger/v1/orgs/${fx.orgId}/break-glass?status=reviewed`, { token: tokens.officer });
    assert.equal(reviewed.body.items.length, 1);
    assert.equal(reviewed.body.items[0].eventId, btgEventId);
    assert.equal(reviewed.body.items[0].outcome, 'justified');
    assert.equal(reviewed.body.items[0].reviewedBy, officer.memberId);
    assert.equal(reviewed.body.items[0].attestation, undefined);
  });

  it("P's disclosure report lists every access, exactly", async () => {
    const r = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures`, { token: tokens.p });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.patient, P.pseudonym);
    const rows = r.body.disclosures as Json[];
    const actual = new Map<string, number>();
    for (const row of rows) actual.set(`${row.recipient} ${row.interaction}`, (actual.get(`${row.recipient} ${row.interaction}`) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()));
    assert.deepEqual(
      Object.fromEntries([...expected].sort()),
      {
        [`patient/${P.pseudonym} read`]: 1,
        'org1/dr-x create': 6,
        'org1/dr-y read': 3,
        'org1/dr-y search': 2,
        'org1/dr-z read': 1,
      },
    );
    for (const row of rows) {
      assert.equal(row.custodian, fx.orgId);
      assert.match(row.eventId, /^ae-[0-9a-f]{32}$/);
      assert.equal(row.purpose, row.breakGlass === null ? 'TREAT' : 'ETREAT');
    }
    // Y's searches: 3 record versions before the PSY deny, 2 after.
    const searches = rows.filter((row) => row.recipient === 'org1/dr-y' && row.interaction === 'search').map((row) => row.description);
    assert.deepEqual(searches, ['search of 2 record versions (Observation)', 'search of 2 record versions (Observation)']);
    // Rows are in time order.
    const dates = rows.map((row) => row.date as string);
    assert.deepEqual(dates, [...dates].sort());

    const b = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures?format=bundle`, { token: tokens.p });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.headers.get('content-type')?.split(';')[0], 'application/fhir+json');
    assert.equal(b.body.resourceType, 'Bundle');
    assert.equal(b.body.total, rows.length);
    assert.equal(b.body.entry.length, rows.length);
    for (const e of b.body.entry as Json[]) {
      assert.equal(e.resource.resourceType, 'AuditEvent');
      assert.equal(e.resource.entity[0].what.reference, `Patient/${P.pseudonym}`);
    }
    const bgEvent = (b.body.entry as Json[]).map((e) => e.resource).find((a) => a.id === btgEventId);
    assert.ok(bgEvent);
    assert.equal(bgEvent.action, 'R');
    assert.deepEqual(bgEvent.purposeOfEvent.map((p: Json) => p.coding[0].code), ['ETREAT', 'BTG']);

    // The report verifies against the head anchored on the ledger.
    assert.deepEqual(verifyAccessReport(r.body.accessChain), { ok: true, seq: rows.length, anchoredSeq: rows.length });
    assert.equal(r.body.accessChain.anchor.seq, rows.length);

    // Others may not read P's report: Dr Y (not an overseer) gets the answer of an unknown pseudonym; the officer may.
    const y = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures`, { token: tokens.y });
    assert.equal(y.status, 404, y.text);
    assert.deepEqual(y.body, { error: { code: 'NOT_FOUND', message: 'no such patient' } });
    const o = await c.request('GET', `/ledger/v1/patients/${P.pseudonym}/disclosures`, { token: tokens.officer });
    assert.equal(o.status, 200, o.text);
    assert.equal(o.body.disclosures.length, rows.length);
  });
});
