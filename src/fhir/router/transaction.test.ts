// Transaction bundles (atomic, urn:uuid rewriting) and batch bundles (independent entries).
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureFhirDefinitions } from './validate.js';
import { observation, TEST_BASE, testRouter } from '../../../test/helpers/fhir-router.js';

before(() => ensureFhirDefinitions());

const PATIENT_URN = 'urn:uuid:6f1c1b2e-3d0f-4f8e-9a57-0b3d6a1f2c11';

function txBundle(obsExtra: Record<string, unknown> = {}) {
  const obs = observation('x', obsExtra);
  obs['subject'] = { reference: PATIENT_URN };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: PATIENT_URN, resource: { resourceType: 'Patient', birthDate: '1980-02-02' }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:uuid:0d9e4c1a-5b7f-4d6e-8c2b-1a3f5e7d9b00', resource: obs, request: { method: 'POST', url: 'Observation' } },
    ],
  };
}

describe('transaction', () => {
  it('creates atomically and rewrites urn:uuid references', async () => {
    const { call } = testRouter();
    const res = await call('POST', '', { body: txBundle() });
    assert.equal(res.status, 200);
    const b = res.json as any;
    assert.equal(b.type, 'transaction-response');
    assert.equal(b.entry.length, 2);
    for (const e of b.entry) {
      assert.equal(e.response.status, '201 Created');
      assert.match(e.response.location, new RegExp(`^${TEST_BASE}/(Patient|Observation)/[0-9a-f-]{36}/_history/1$`));
      assert.equal(e.response.etag, 'W/"1"');
    }
    const pid = b.entry[0].resource.id as string;
    const obsId = b.entry[1].resource.id as string;
    const obs = await call('GET', `Observation/${obsId}`);
    assert.equal((obs.json as any).subject.reference, `Patient/${pid}`);
    assert.equal(((await call('GET', 'Observation', { query: { patient: pid } })).json as any).total, 1);
  });
  it('one bad entry creates nothing (and reports its expression)', async () => {
    const { call } = testRouter();
    const bundle = txBundle();
    delete (bundle.entry[1]?.resource as Record<string, unknown>)['status'];
    const res = await call('POST', '', { body: bundle });
    assert.equal(res.status, 422);
    assert.deepEqual((res.json as any).issue.map((i: any) => i.expression), [['Bundle.entry[1].resource.status']]);
    assert.equal(((await call('GET', 'Patient')).json as any).total, 0);
  });
  it('reports every bad entry, each with its index and FHIRPath', async () => {
    const { call } = testRouter();
    const bundle = txBundle() as any;
    delete bundle.entry[1].resource.status;
    bundle.entry.push({ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, colour: 'red' }, request: { method: 'POST', url: 'Observation' } });
    bundle.entry.push({ resource: { resourceType: 'Observation' }, request: { method: 'GET', url: 'Observation' } });
    const res = await call('POST', '', { body: bundle });
    assert.equal(res.status, 400);
    const where = (res.json as any).issue.map((i: any) => i.expression[0]);
    assert.deepEqual(where, ['Bundle.entry[3].request.method']);
    bundle.entry.pop();
    const again = await call('POST', '', { body: bundle });
    assert.equal(again.status, 400);
    assert.deepEqual((again.json as any).issue.map((i: any) => i.expression[0]).sort(), ['Bundle.entry[1].resource.status', 'Bundle.entry[2].resource.colour']);
    assert.equal(((await call('GET', 'Patient')).json as any).total, 0);
  });
  it('resolves conditional references in the bundle and on the server, and refuses none or several matches', async () => {
    const { call } = testRouter();
    const org = (sys: string, value: string) => ({ resourceType: 'Organization', identifier: [{ system: sys, value }] });
    assert.equal((await call('POST', 'Organization', { body: org('urn:s', 'A') })).status, 201);
    const stored = await call('POST', 'Organization', { body: org('urn:s', 'B') });
    assert.equal((await call('POST', 'Organization', { body: org('urn:s', 'B') })).status, 201);
    const bundle = {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { fullUrl: 'urn:uuid:0c0c0c0c-0000-4000-8000-000000000001', resource: org('urn:s', 'C'), request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Location', managingOrganization: { reference: 'Organization?identifier=urn:s|C' } }, request: { method: 'POST', url: 'Location' } },
        { resource: { resourceType: 'Location', managingOrganization: { reference: 'Organization?identifier=urn:s|A' } }, request: { method: 'POST', url: 'Location' } },
      ],
    };
    const ok = await call('POST', '', { body: bundle });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const [created, local, server] = (ok.json as any).entry.map((e: any) => e.resource);
    assert.equal(local.managingOrganization.reference, `Organization/${created.id}`);
    const a = (await call('GET', 'Organization', { query: { identifier: 'urn:s|A' } })).json as any;
    assert.equal(server.managingOrganization.reference, `Organization/${a.entry[0].resource.id}`);
    assert.notEqual((stored.json as any).id, undefined);
    (bundle.entry[1] as any).resource.managingOrganization.reference = 'Organization?identifier=urn:s|B';
    (bundle.entry[2] as any).resource.managingOrganization.reference = 'Organization?identifier=urn:s|Z';
    bundle.entry[0] = { ...bundle.entry[0], resource: org('urn:s', 'D') } as any;
    const bad = await call('POST', '', { body: bundle });
    assert.equal(bad.status, 422);
    assert.deepEqual((bad.json as any).issue.map((i: any) => i.expression[0]), [
      'Bundle.entry[1].resource.managingOrganization.reference', 'Bundle.entry[2].resource.managingOrganization.reference',
    ]);
    assert.equal(((await call('GET', 'Location')).json as any).total, 2);
  });
  it('a repository failure mid-transaction rolls everything back', async () => {
    const { call } = testRouter();
    const bundle = txBundle() as any;
    bundle.entry.push({ resource: { resourceType: 'Patient', id: 'p9' }, request: { method: 'PUT', url: 'Patient/p9', ifMatch: 'W/"4"' } });
    const res = await call('POST', '', { body: bundle });
    assert.equal(res.status, 412);
    assert.equal(((await call('GET', 'Patient')).json as any).total, 0);
    assert.equal(((await call('GET', 'Observation')).json as any).total, 0);
  });
  it('refuses unresolved placeholders and unsupported entries', async () => {
    const { call } = testRouter();
    const bundle = txBundle() as any;
    bundle.entry[1].resource.subject.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    const res = await call('POST', '', { body: bundle });
    assert.equal(res.status, 400);
    assert.deepEqual((res.json as any).issue[0].expression, ['Bundle.entry[1].resource.subject.reference']);
    assert.equal((await call('POST', '', { body: { resourceType: 'Bundle', type: 'collection' } })).status, 400);
    assert.equal((await call('POST', '', { body: { resourceType: 'Patient' } })).status, 400);
  });
  it('supports conditional create inside a transaction', async () => {
    const { call } = testRouter();
    const existing = await call('POST', 'Patient', { body: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'Q' }] } });
    const bundle = txBundle() as any;
    bundle.entry[0].request.ifNoneExist = 'identifier=urn:mrn|Q';
    const res = await call('POST', '', { body: bundle });
    assert.equal(res.status, 200);
    const b = res.json as any;
    assert.equal(b.entry[0].response.status, '200 OK');
    const obs = await call('GET', `Observation/${b.entry[1].resource.id}`);
    assert.equal((obs.json as any).subject.reference, `Patient/${existing.json.id}`);
  });
});

describe('batch', () => {
  it('processes entries independently', async () => {
    const { call } = testRouter();
    const good = await call('POST', 'Patient', { body: { resourceType: 'Patient' } });
    const res = await call('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Patient', colour: 'blue' }, request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'GET', url: `Patient/${good.json.id}` } },
          { request: { method: 'GET', url: 'Patient/missing' } },
          { request: { method: 'DELETE', url: `Patient/${good.json.id}` } },
          { request: { method: 'GET', url: 'Patient?_count=1' } },
        ],
      },
    });
    assert.equal(res.status, 200);
    const b = res.json as any;
    assert.equal(b.type, 'batch-response');
    assert.deepEqual(b.entry.map((e: any) => e.response.status), ['201 Created', '400 Bad Request', '200 OK', '404 Not Found', '204 No Content', '200 OK']);
    assert.equal(b.entry[1].response.outcome.resourceType, 'OperationOutcome');
    assert.ok(b.entry[0].response.location.startsWith(`${TEST_BASE}/Patient/`));
    assert.equal(b.entry[5].resource.type, 'searchset');
  });
});
