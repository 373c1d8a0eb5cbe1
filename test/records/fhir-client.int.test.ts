// A real FHIR client (fhir-kit-client) against the real node with the records
// side: SMART bearer token of a practitioner of the custodian, the patient's
// consent to treatment by the organisation, then capability statement, CRUD
// (410 after delete), search paging through nextPage, history, a transaction
// bundle with urn:uuid references, and validation errors with FHIRPath.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'fhir-kit-client';
import { condition, observation, patientResource, startRecordsNode, type Json, type Member, type Patient, type RecordsNode } from './fixture.js';

let fx: RecordsNode;
let client: Client;
let drX: Member;
let P: Patient;

/** The HTTP status of a rejected fhir-kit-client call. */
const statusOf = (e: Json): number => e?.response?.status as number;

before(async () => {
  fx = await startRecordsNode();
  const c = fx.client;
  drX = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-x');
  P = await c.registerPatient(drX.key);
  // P consents to treatment by the clinic (organisation grantee, any resource).
  await c.tx(P.key, 'consent', 'grant', {
    patient: P.pseudonym,
    grantee: { kind: 'organization', orgId: fx.orgId },
    provision: { type: 'permit', purposes: ['TREAT'] },
  });
  const token = await c.memberToken(drX.key);
  client = new Client({ baseUrl: c.fhirBase, customHeaders: { Authorization: `Bearer ${token}` } });
  await client.update({ resourceType: 'Patient', id: P.pseudonym, body: patientResource(P.pseudonym) });
});

after(async () => {
  await fx?.close();
});

describe('fhir-kit-client against a node with records', { timeout: 60_000 }, () => {
  it('reads the CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as Json;
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.equal(cs.rest[0].mode, 'server');
    assert.ok((cs.rest[0].resource as Json[]).some((r) => r.type === 'Observation'));
  });

  it('without a token the node answers 401 with an OperationOutcome', async () => {
    const anonymous = new Client({ baseUrl: fx.client.fhirBase });
    await assert.rejects(anonymous.read({ resourceType: 'Patient', id: P.pseudonym }), (e: Json) => {
      assert.equal(statusOf(e), 401);
      assert.equal(e.response.data.resourceType, 'OperationOutcome');
      assert.equal(e.response.data.issue[0].code, 'login');
      return true;
    });
  });

  it('create, read, update, history, delete (then 410)', async () => {
    const created = (await client.create({ resourceType: 'Observation', body: observation(P.pseudonym, '8480-6', 120) })) as Json;
    const id = created.id as string;
    const { response } = Client.httpFor(created);
    assert.equal(response?.status, 201);
    assert.equal(response?.headers.get('location'), `${fx.client.fhirBase}/Observation/${id}/_history/1`);
    const read = (await client.read({ resourceType: 'Observation', id })) as Json;
    assert.equal(read.valueQuantity.value, 120);
    assert.equal(Client.httpFor(read).response?.headers.get('etag'), 'W/"1"');
    const updated = (await client.update({ resourceType: 'Observation', id, body: { ...read, valueQuantity: { value: 125, unit: 'mmHg' } } })) as Json;
    assert.equal(updated.meta.versionId, '2');
    assert.equal(Client.httpFor(updated).response?.status, 200);
    const v1 = (await client.vread({ resourceType: 'Observation', id, version: '1' })) as Json;
    assert.equal(v1.valueQuantity.value, 120);
    const history = (await client.history({ resourceType: 'Observation', id })) as Json;
    assert.equal(history.type, 'history');
    assert.equal(history.total, 2);
    assert.deepEqual((history.entry as Json[]).map((e) => e.resource.meta.versionId), ['2', '1']);
    await client.delete({ resourceType: 'Observation', id, options: { headers: { 'X-Delete-Reason': 'entered in error' } } });
    await assert.rejects(client.read({ resourceType: 'Observation', id }), (e: Json) => {
      assert.equal(statusOf(e), 410);
      assert.equal(e.response.data.resourceType, 'OperationOutcome');
      assert.equal(e.response.data.issue[0].code, 'deleted');
      return true;
    });
    await assert.rejects(client.read({ resourceType: 'Observation', id: 'no-such-id' }), (e: Json) => statusOf(e) === 404);
  });

  it('searches with paging via nextPage', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = (await client.create({ resourceType: 'Condition', body: condition(P.pseudonym, String(100000 + i)) })) as Json;
      created.add(r.id as string);
    }
    let bundle: Json = await client.search({ resourceType: 'Condition', searchParams: { patient: P.pseudonym, _count: 5 } });
    const ids = new Set<string>();
    let pages = 0;
    while (bundle !== undefined) {
      pages++;
      assert.equal(bundle.type, 'searchset');
      assert.equal(bundle.total, 12);
      for (const e of bundle.entry ?? []) ids.add(e.resource.id as string);
      bundle = await client.nextPage({ bundle });
    }
    assert.equal(pages, 3);
    assert.deepEqual([...ids].sort(), [...created].sort());
    const byCode = (await client.search({ resourceType: 'Condition', searchParams: { patient: P.pseudonym, code: 'http://snomed.info/sct|100003' } })) as Json;
    assert.equal(byCode.total, 1);
    assert.equal(byCode.entry[0].resource.code.coding[0].code, '100003');
  });

  it('posts a transaction bundle with urn:uuid references', async () => {
    const urn = 'urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const res = (await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: urn, resource: observation(P.pseudonym, '2339-0', 5.4), request: { method: 'POST', url: 'Observation' } },
          {
            resource: condition(P.pseudonym, '44054006', { evidence: [{ detail: [{ reference: urn }] }] }),
            request: { method: 'POST', url: 'Condition' },
          },
        ],
      },
    })) as Json;
    assert.equal(res.type, 'transaction-response');
    assert.deepEqual((res.entry as Json[]).map((e) => e.response.status.split(' ')[0]), ['201', '201']);
    const obsId = res.entry[0].resource.id as string;
    // The urn:uuid reference must name the Observation that was created (and that the response reports).
    const cond = (await client.read({ resourceType: 'Condition', id: res.entry[1].resource.id })) as Json;
    assert.equal(cond.evidence[0].detail[0].reference, `Observation/${obsId}`);
    assert.equal(res.entry[1].resource.evidence[0].detail[0].reference, `Observation/${obsId}`);
    const o = (await client.read({ resourceType: 'Observation', id: obsId })) as Json;
    assert.equal(o.valueQuantity.value, 5.4);
  });

  it('refuses invalid resources with the FHIRPath of the problem', async () => {
    const noStatus: Json = observation(P.pseudonym, '8480-6', 1);
    delete noStatus.status;
    await assert.rejects(client.create({ resourceType: 'Observation', body: noStatus }), (e: Json) => {
      assert.equal(statusOf(e), 422);
      assert.equal(e.response.data.resourceType, 'OperationOutcome');
      assert.ok((e.response.data.issue as Json[]).some((i) => (i.expression ?? []).includes('Observation.status')), JSON.stringify(e.response.data));
      return true;
    });
    await assert.rejects(client.create({ resourceType: 'Observation', body: { ...observation(P.pseudonym, '8480-6', 1), colour: 'blue' } }), (e: Json) => {
      assert.equal(statusOf(e), 400);
      assert.equal(e.response.data.resourceType, 'OperationOutcome');
      assert.ok((e.response.data.issue as Json[]).some((i) => (i.expression ?? []).some((x: string) => x.includes('colour'))), JSON.stringify(e.response.data));
      return true;
    });
    // A resource of a patient not registered on the ledger.
    await assert.rejects(
      client.create({ resourceType: 'Observation', body: observation('pt-00000000000000000000000000000000', '8480-6', 1) }),
      (e: Json) => statusOf(e) === 422,
    );
  });
});
