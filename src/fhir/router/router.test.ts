// Status codes, headers and OperationOutcome shapes of every interaction.
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureFhirDefinitions, validateFhirResource } from './validate.js';
import { buildCapabilityStatement } from './capability.js';
import { observation, TEST_BASE, testRouter } from '../../../test/helpers/fhir-router.js';
import type { FhirResource } from '../types.js';

before(() => ensureFhirDefinitions());

const patient = (extra: Record<string, unknown> = {}): FhirResource => ({ resourceType: 'Patient', birthDate: '1970-01-01', ...extra });

function assertOutcome(body: unknown, code?: string): { issue: Array<{ severity: string; code: string; details: { text: string }; expression?: string[] }> } {
  const oo = body as { resourceType: string; issue: Array<{ severity: string; code: string; details: { text: string }; expression?: string[] }> };
  assert.equal(oo.resourceType, 'OperationOutcome');
  assert.ok(oo.issue.length > 0);
  for (const i of oo.issue) {
    assert.equal(i.severity, 'error');
    assert.equal(typeof i.details.text, 'string');
  }
  if (code !== undefined) assert.equal(oo.issue[0]?.code, code);
  assert.ok(!JSON.stringify(oo).includes('    at '), 'no stack traces');
  return oo;
}

describe('metadata', () => {
  it('serves a valid R4 CapabilityStatement with SMART security', async () => {
    const { call } = testRouter();
    const res = await call('GET', 'metadata');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/fhir+json; charset=utf-8');
    const cs = res.json as unknown as { fhirVersion: string; format: string[]; rest: Array<Record<string, any>> };
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.deepEqual(cs.format, ['json']);
    const rest = cs.rest[0] as Record<string, any>;
    assert.equal(rest['mode'], 'server');
    assert.equal(rest['security'].service[0].coding[0].code, 'SMART-on-FHIR');
    assert.equal(rest['security'].extension[0].extension[0].valueUri, 'https://node.test/auth/token');
    const obs = rest['resource'].find((r: { type: string }) => r.type === 'Observation');
    assert.equal(obs.conditionalCreate, true);
    assert.equal(obs.versioning, 'versioned');
    for (const p of ['_id', '_lastUpdated', 'patient', 'subject', 'code', 'date', 'identifier', '_count']) {
      assert.ok(obs.searchParam.some((s: { name: string }) => s.name === p), p);
    }
    validateFhirResource(res.json);
  });
  it('honours tokenUrl', () => {
    const cs = buildCapabilityStatement({ baseUrl: TEST_BASE, tokenUrl: 'https://auth.test/token' }) as any;
    assert.equal(cs.rest[0].security.extension[0].extension[0].valueUri, 'https://auth.test/token');
  });
});

describe('create, read, vread, update, delete', () => {
  it('creates with 201, Location, ETag and reads back', async () => {
    const { call } = testRouter();
    const created = await call('POST', 'Patient', { body: patient({ id: 'ignored' }), headers: { 'content-type': 'application/fhir+json' } });
    assert.equal(created.status, 201);
    const id = created.json.id as string;
    assert.notEqual(id, 'ignored');
    assert.equal(created.headers['location'], `${TEST_BASE}/Patient/${id}/_history/1`);
    assert.equal(created.headers['etag'], 'W/"1"');
    assert.ok(created.headers['last-modified']?.endsWith('GMT'));
    const read = await call('GET', `Patient/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers['etag'], 'W/"1"');
    assert.ok(read.headers['last-modified']);
    assert.equal(read.json.birthDate, '1970-01-01');
    const vread = await call('GET', `Patient/${id}/_history/1`);
    assert.equal(vread.status, 200);
    assert.equal((await call('GET', `Patient/${id}/_history/9`)).status, 404);
  });
  it('honours Prefer: return', async () => {
    const { call } = testRouter();
    const minimal = await call('POST', 'Patient', { body: patient(), headers: { prefer: 'return=minimal' } });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.body, undefined);
    assert.ok(minimal.headers['location']);
    const oo = await call('POST', 'Patient', { body: patient(), headers: { prefer: 'return=OperationOutcome' } });
    assert.equal(oo.json.resourceType, 'OperationOutcome');
    const rep = await call('POST', 'Patient', { body: patient(), headers: { prefer: 'return=representation' } });
    assert.equal(rep.json.resourceType, 'Patient');
  });
  it('404 for unknown ids, 410 after delete, 204 on delete', async () => {
    const { call } = testRouter();
    assertOutcome((await call('GET', 'Patient/nope')).body, 'not-found');
    assert.equal((await call('GET', 'Patient/nope')).status, 404);
    const id = (await call('POST', 'Patient', { body: patient() })).json.id as string;
    const del = await call('DELETE', `Patient/${id}`);
    assert.equal(del.status, 204);
    assert.equal(del.body, undefined);
    const gone = await call('GET', `Patient/${id}`);
    assert.equal(gone.status, 410);
    assertOutcome(gone.body, 'deleted');
  });
  it('updates with If-Match; 412 on a stale version; 400 on id mismatch', async () => {
    const { call } = testRouter();
    const id = (await call('POST', 'Patient', { body: patient() })).json.id as string;
    const ok = await call('PUT', `Patient/${id}`, { body: patient({ id, gender: 'female' }), headers: { 'if-match': 'W/"1"' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['etag'], 'W/"2"');
    const stale = await call('PUT', `Patient/${id}`, { body: patient({ id }), headers: { 'if-match': 'W/"1"' } });
    assert.equal(stale.status, 412);
    assertOutcome(stale.body, 'conflict');
    const mismatch = await call('PUT', `Patient/${id}`, { body: patient({ id: 'other' }) });
    assert.equal(mismatch.status, 400);
    assert.deepEqual(assertOutcome(mismatch.body).issue[0]?.expression, ['Patient.id']);
    assert.equal((await call('PUT', `Patient/${id}`, { body: patient() })).status, 400);
    const created = await call('PUT', 'Patient/new-one', { body: patient({ id: 'new-one' }) });
    assert.equal(created.status, 201);
    assert.equal(created.headers['location'], `${TEST_BASE}/Patient/new-one/_history/1`);
  });
  it('history is a history Bundle with request/response, newest first', async () => {
    const { call } = testRouter();
    const id = (await call('POST', 'Patient', { body: patient() })).json.id as string;
    await call('PUT', `Patient/${id}`, { body: patient({ id, gender: 'male' }) });
    await call('DELETE', `Patient/${id}`);
    const h = await call('GET', `Patient/${id}/_history`);
    assert.equal(h.status, 200);
    const b = h.json as any;
    assert.equal(b.type, 'history');
    assert.equal(b.total, 3);
    assert.deepEqual(b.entry.map((e: any) => e.request.method), ['DELETE', 'PUT', 'POST']);
    assert.deepEqual(b.entry.map((e: any) => e.response.status), ['204 No Content', '200 OK', '201 Created']);
    assert.equal(b.entry[2].request.url, 'Patient');
    assert.equal(b.entry[0].resource, undefined);
  });
});

describe('validation', () => {
  it('422 with the FHIRPath of a missing required element', async () => {
    const { call } = testRouter();
    const bad = observation('p1');
    delete bad['status'];
    const res = await call('POST', 'Observation', { body: bad });
    assert.equal(res.status, 422);
    const oo = assertOutcome(res.body);
    assert.ok(oo.issue.some((i) => i.expression?.includes('Observation.status')));
  });
  it('400 for an unknown property, with its expression', async () => {
    const { call } = testRouter();
    const res = await call('POST', 'Observation', { body: observation('p1', { colour: 'red' }) });
    assert.equal(res.status, 400);
    const oo = assertOutcome(res.body, 'structure');
    assert.deepEqual(oo.issue[0]?.expression, ['Observation.colour']);
    assert.ok(!JSON.stringify(oo).includes('red'), 'no resource contents');
  });
  it('422 for a failed invariant, 400 for a wrong JSON type', async () => {
    const { call } = testRouter();
    const inv = await call('POST', 'Patient', { body: patient({ contact: [{ gender: 'male' }] }) });
    assert.equal(inv.status, 422);
    assert.equal(assertOutcome(inv.body).issue[0]?.code, 'invariant');
    const type = await call('POST', 'Patient', { body: patient({ active: 'yes' }) });
    assert.equal(type.status, 400);
  });
  it('400 when resourceType does not match the URL; 404 not-supported for unknown types', async () => {
    const { call } = testRouter();
    assert.equal((await call('POST', 'Observation', { body: patient() })).status, 400);
    assert.equal((await call('POST', 'Observation', { body: 'text' })).status, 400);
    const unknown = await call('GET', 'Spaceship/1');
    assert.equal(unknown.status, 404);
    assertOutcome(unknown.body, 'not-supported');
  });
});

describe('negotiation and methods', () => {
  it('406 for XML-only Accept or _format, 415 for XML bodies', async () => {
    const { call } = testRouter();
    assert.equal((await call('GET', 'metadata', { headers: { accept: 'application/fhir+xml' } })).status, 406);
    assert.equal((await call('GET', 'metadata', { headers: { accept: 'application/xml, text/xml;q=0.9' } })).status, 406);
    assert.equal((await call('GET', 'metadata', { query: { _format: 'xml' } })).status, 406);
    assert.equal((await call('GET', 'metadata', { headers: { accept: 'application/fhir+xml;q=1, application/fhir+json;q=0.5' } })).status, 200);
    assert.equal((await call('GET', 'metadata', { headers: { accept: '*/*' } })).status, 200);
    const xml = await call('POST', 'Patient', { body: patient(), headers: { 'content-type': 'application/fhir+xml' } });
    assert.equal(xml.status, 415);
    assertOutcome(xml.body, 'not-supported');
    assert.equal(xml.headers['content-type'], 'application/fhir+json; charset=utf-8');
  });
  it('405 with Allow for wrong methods', async () => {
    const { call } = testRouter();
    const res = await call('DELETE', 'Patient');
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'GET, POST');
    assert.equal((await call('POST', 'Patient/1')).status, 405);
    assert.equal((await call('PATCH', 'Patient/1')).status, 405);
    assert.equal((await call('PUT', 'metadata')).status, 405);
    assert.equal((await call('GET', '')).status, 405);
  });
  it('maps repository CareLedgerErrors through RESULT_CODES and hides unknown errors', async () => {
    const { MemoryFhirRepository } = await import('./memory-repository.js');
    const { CareLedgerError } = await import('../../errors/index.js');
    const repo = new MemoryFhirRepository();
    repo.read = async () => { throw new CareLedgerError('FORBIDDEN', 'no consent'); };
    repo.search = async () => { throw new Error('secret at /x/y.ts:1'); };
    const { call } = testRouter(repo);
    const forbidden = await call('GET', 'Patient/x');
    assert.equal(forbidden.status, 403);
    assertOutcome(forbidden.body, 'forbidden');
    const boom = await call('GET', 'Patient');
    assert.equal(boom.status, 500);
    assert.ok(!JSON.stringify(boom.body).includes('secret'));
  });
});
