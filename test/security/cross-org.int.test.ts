// Issue 9, finding 11, over HTTP against a real node with a second
// organisation on its network:
//  (a) a practitioner of org-b, which has no relationship with patient P or
//      with custodian org1, signed in at org1's node and broke the glass:
//      before the fix he read everything; now only the custodian's
//      practitioners may break the glass there.
//  (b) an exchange request's member id was only the requesting node's word:
//      org-b's node could name Dr W (whom P trusts) for anyone. Now the
//      custodian wants Dr W's own signature, by an active ledger key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey } from '../../src/crypto/index.js';
import { authorizeExchange } from '../../src/exchange/index.js';
import { observation, startRecordsNode, type Member, type Patient, type RecordsClient, type RecordsNode } from '../records/fixture.js';
import { admitSecondOrg, type SecondOrg } from './second-org.js';

let fx: RecordsNode;
let c: RecordsClient;
let drX: Member;
let drZ: Member;
let orgB: SecondOrg;
let drW: Member;
let drV: Member;
let P: Patient;
let obsId = '';
const BTG = { 'x-purpose-of-use': 'ETREAT', 'x-break-glass-reason': 'unconscious patient in the emergency department' };

before(async () => {
  fx = await startRecordsNode();
  c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  drZ = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-z');
  orgB = await admitSecondOrg(fx);
  drW = await orgB.registerMember(['practitioner'], 'dr-w');
  drV = await orgB.registerMember(['practitioner'], 'dr-v');
  P = await c.registerPatient(drX.key);
  await c.allowWrites(P, fx.orgId, drX.memberId);
  const created = await c.fhir(await c.memberToken(drX.key), 'POST', 'Observation', observation(P.pseudonym, '8867-4', 72));
  assert.equal(created.status, 201, created.text);
  obsId = created.body.id;
});

after(async () => {
  await fx?.close();
});

describe('finding 11: cross-organisation break-glass and exchange requester', { timeout: 120_000 }, () => {
  it("(a) org-b's practitioner signs in at org1's node but may not break the glass there", async () => {
    const token = await c.memberToken(drV.key, 'system/*.rs');
    const read = await c.fhir(token, 'GET', `Observation/${obsId}`, undefined, BTG);
    assert.equal(read.status, 403, read.text);
    assert.equal(read.body.issue[0].code, 'forbidden');
    assert.deepEqual(read.body.issue[0].expression, ['breakGlassReason']);
    const search = await c.fhir(token, 'GET', `Observation?patient=${P.pseudonym}`, undefined, BTG);
    assert.equal(search.status, 403, search.text);
    const everything = await c.fhir(token, 'GET', `Patient/${P.pseudonym}/$everything`, undefined, BTG);
    assert.equal(everything.status, 403, everything.text);
    // The custodian's own practitioner still can (flagged), so the rule is about the organisation.
    const own = await c.fhir(await c.memberToken(drZ.key, 'system/*.rs'), 'GET', `Observation/${obsId}`, undefined, BTG);
    assert.equal(own.status, 200, own.text);
  });

  it("(b) org-b's node naming Dr W without Dr W's signature is refused; Dr W's own authorisation works", async () => {
    await c.tx(P.key, 'consent', 'grant', {
      patient: P.pseudonym, grantee: { kind: 'practitioner', orgId: orgB.orgId, memberId: drW.memberId }, provision: { type: 'permit', actions: ['access'], purposes: ['TREAT'] },
    });
    // Signed by org-b's node key, by Dr V's key, by a key nobody registered: not Dr W's.
    for (const signer of [orgB.nodeKey, drV.key, generateSigningKey()]) {
      const forged = await orgB.exchange({ patient: P.pseudonym, requester: drW, signer });
      assert.deepEqual([forged.status, forged.code, forged.field], [403, 'UNKNOWN_SIGNER', 'authorization.keyId']);
    }
    // Dr V's genuine authorisation, relabelled by the node as Dr W's request.
    const ofV = await orgB.exchange({ patient: P.pseudonym, requester: drV });
    assert.deepEqual([ofV.status, ofV.code], [403, 'FORBIDDEN']);
    const vAuth = authorizeExchange({ network: fx.networkId, requester: { orgId: orgB.orgId, memberId: drV.memberId }, patient: P.pseudonym, purpose: 'TREAT' }, drV.key);
    const relabelled = await orgB.exchange({ patient: P.pseudonym, requester: drW, authorization: vAuth });
    assert.deepEqual([relabelled.status, relabelled.code, relabelled.field], [403, 'FORBIDDEN', 'authorization.requester']);
    const genuine = await orgB.exchange({ patient: P.pseudonym, requester: drW });
    assert.equal(genuine.status, 200, `${genuine.code ?? ''} ${genuine.field ?? ''}`);
    assert.deepEqual(genuine.resources.map((r) => r.id), [obsId]);
    // Nothing was disclosed for the refused requests: one disclosure event, Dr W's.
    // Access events are in the custodian's access log, off the ledger (docs/privacy.md).
    await fx.records.repository.flush();
    const disclosures = fx.records.repository.accessLog.events(P.pseudonym).filter((e) => e.interaction === 'disclose');
    assert.deepEqual(disclosures.map((e) => (e.accessor.kind === 'member' ? e.accessor.memberId : '')), [drW.memberId]);
  });
});
