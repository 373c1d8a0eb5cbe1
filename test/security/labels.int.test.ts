// Issue 9, finding 2, reproduced over HTTP against a real node: P gives
// Dr Y a generic TREAT consent (no labels); Dr X has written a plain and a
// PSY-labelled Observation. Before the fix Dr Y read, searched, gathered
// ($everything) and received through the exchange the PSY record too; now
// every path refuses or filters it, until P grants a permit naming PSY.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PSY_LABEL, observation, startRecordsNode, type Json, type Member, type Patient, type RecordsClient, type RecordsNode } from '../records/fixture.js';
import { admitSecondOrg, type SecondOrg } from './second-org.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drY: Member;
let drW: Member;
let orgB: SecondOrg;
let P: Patient;
let plainId = '';
let psyId = '';
let tokenY = '';

const ids = (bundle: Json): string[] => ((bundle.entry ?? []) as Json[]).filter((e) => e.search?.mode !== 'outcome').map((e) => String(e.resource.id)).sort();

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drY = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-y');
  orgB = await admitSecondOrg(fx);
  drW = await orgB.registerMember(['practitioner'], 'dr-w');
  P = await c.registerPatient(drX.key);
  await c.allowWrites(P, fx.orgId, drX.memberId);
  const tokenX = await c.memberToken(drX.key);
  const plain = await c.fhir(tokenX, 'POST', 'Observation', observation(P.pseudonym, '8867-4', 72));
  assert.equal(plain.status, 201, plain.text);
  plainId = plain.body.id;
  const psy = await c.fhir(tokenX, 'POST', 'Observation', observation(P.pseudonym, '72166-2', 1, { meta: { security: [PSY_LABEL] } }));
  assert.equal(psy.status, 201, psy.text);
  psyId = psy.body.id;
  tokenY = await c.memberToken(drY.key, 'system/*.rs');
  // The generic consent of the attack: TREAT, every action, no label named.
  for (const grantee of [{ kind: 'practitioner', orgId: fx.orgId, memberId: drY.memberId }, { kind: 'practitioner', orgId: orgB.orgId, memberId: drW.memberId }]) {
    await c.tx(P.key, 'consent', 'grant', { patient: P.pseudonym, grantee, provision: { type: 'permit', purposes: ['TREAT'] } });
  }
});

after(async () => {
  await fx?.close();
});

describe('finding 2: a generic consent releases sensitive records', { timeout: 120_000 }, () => {
  it('read: the PSY Observation answers as a missing one; the plain one is read', async () => {
    const plain = await c.fhir(tokenY, 'GET', `Observation/${plainId}`);
    assert.equal(plain.status, 200, plain.text);
    const psy = await c.fhir(tokenY, 'GET', `Observation/${psyId}`);
    const missing = await c.fhir(tokenY, 'GET', 'Observation/no-such-observation');
    assert.equal(psy.status, 404, psy.text);
    assert.equal(psy.body.issue[0].code, 'not-found');
    assert.deepEqual(psy.body.issue[0].details.text.replace(psyId, '<id>'), missing.body.issue[0].details.text.replace('no-such-observation', '<id>'));
    const vread = await c.fhir(tokenY, 'GET', `Observation/${psyId}/_history/1`);
    assert.equal(vread.status, 404);
  });

  it('search and $everything leave the PSY Observation out, totals included', async () => {
    const search = await c.fhir(tokenY, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.equal(search.status, 200, search.text);
    assert.deepEqual(ids(search.body), [plainId]);
    assert.equal(search.body.total, 1);
    const everything = await c.fhir(tokenY, 'GET', `Patient/${P.pseudonym}/$everything`);
    assert.equal(everything.status, 200, everything.text);
    assert.deepEqual(ids(everything.body), [plainId]);
  });

  it("the exchange: org-b's Dr W receives the plain Observation only", async () => {
    const res = await orgB.exchange({ patient: P.pseudonym, requester: drW });
    assert.equal(res.status, 200, `${res.code ?? ''}`);
    assert.deepEqual(res.resources.map((r) => r.id).sort(), [plainId]);
  });

  it('a permit naming PSY releases it on every path', async () => {
    for (const grantee of [{ kind: 'practitioner', orgId: fx.orgId, memberId: drY.memberId }, { kind: 'practitioner', orgId: orgB.orgId, memberId: drW.memberId }]) {
      await c.tx(P.key, 'consent', 'grant', { patient: P.pseudonym, grantee, provision: { type: 'permit', purposes: ['TREAT'], securityLabels: ['PSY'] } });
    }
    const psy = await c.fhir(tokenY, 'GET', `Observation/${psyId}`);
    assert.equal(psy.status, 200, psy.text);
    assert.deepEqual(psy.body.meta.security, [PSY_LABEL]);
    const search = await c.fhir(tokenY, 'GET', `Observation?patient=${P.pseudonym}`);
    assert.deepEqual(ids(search.body), [plainId, psyId].sort());
    const everything = await c.fhir(tokenY, 'GET', `Patient/${P.pseudonym}/$everything`);
    assert.deepEqual(ids(everything.body), [plainId, psyId].sort());
    const res = await orgB.exchange({ patient: P.pseudonym, requester: drW });
    assert.equal(res.status, 200);
    assert.deepEqual(res.resources.map((r) => r.id).sort(), [plainId, psyId].sort());
  });
});
