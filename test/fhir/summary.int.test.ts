// Patient/$summary (IPS): a FHIR document Bundle that @medplum/core validates
// against the R4 definitions, whose sections hold exactly what the caller may
// read; a patient the caller may not read answers 404.
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '@medplum/core';
import { ensureFhirDefinitions, handleFhirRequest } from '../../src/fhir/router/index.js';
import { World } from '../../src/fhir/secure/world-fixture.test.js';
import { syntheaLikeBundle } from './synthea-like.js';

type R = Record<string, any>;
let world: World;
const patients: string[] = [];

async function fhir(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: R }> {
  const res = await handleFhirRequest({ method, path, query, headers: {}, ...(body === undefined ? {} : { body }) }, world.repo, world.ctx(world.member('dr-a')), { baseUrl: 'http://test.invalid/fhir/R4' });
  return { status: res.status, body: res.body as R };
}

before(async () => {
  ensureFhirDefinitions();
  world = await World.create();
  for (let p = 0; p < 3; p++) {
    const pseudonym = await world.addPatient();
    patients.push(pseudonym);
    const { bundle } = syntheaLikeBundle(300 + p, p === 1 ? 8 : 120);
    const patientEntry = bundle.entry.find((e: R) => e.resource.resourceType === 'Patient');
    patientEntry.resource.id = pseudonym;
    patientEntry.request = { method: 'PUT', url: `Patient/${pseudonym}` };
    const res = await fhir('POST', '', JSON.parse(JSON.stringify(bundle).replaceAll(`"${patientEntry.fullUrl}"`, `"Patient/${pseudonym}"`)));
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
  }
  await world.grant(patients[0] as string, 'dr-a', { type: 'permit', actions: ['access'] });
  await world.grant(patients[1] as string, 'dr-a', { type: 'permit', actions: ['access'] });
});
after(async () => {
  await world?.close();
});

describe('Patient/$summary', { timeout: 120_000 }, () => {
  it('is a valid document Bundle (medplum) whose sections hold what the caller may read', async () => {
    const res = await fhir('GET', `Patient/${patients[0]}/$summary`);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    const errors = validateResource(res.body as never).filter((i) => i.severity === 'error');
    assert.deepEqual(errors, []);
    const [composition, patient] = res.body.entry.map((e: R) => e.resource);
    assert.equal(composition.resourceType, 'Composition');
    assert.equal(composition.type.coding[0].code, '60591-5');
    assert.equal(patient.id, patients[0]);
    const byType = (t: string) => res.body.entry.filter((e: R) => e.resource.resourceType === t).length;
    const conditions = (await fhir('GET', 'Condition', undefined, { patient: patients[0] as string, _summary: 'count' })).body.total;
    assert.equal(byType('Condition'), conditions);
    const problems = composition.section.find((s: R) => s.code.coding[0].code === '11450-4');
    assert.equal(problems.entry.length, conditions);
    // Every section reference resolves inside the document.
    const inside = new Set(res.body.entry.map((e: R) => `${e.resource.resourceType}/${e.resource.id}`));
    for (const s of composition.section) for (const e of s.entry ?? []) assert.ok(inside.has(e.reference), e.reference);
  });

  it('required sections without data carry an emptyReason', async () => {
    const res = await fhir('GET', `Patient/${patients[1]}/$summary`);
    assert.equal(res.status, 200);
    assert.deepEqual(validateResource(res.body as never).filter((i) => i.severity === 'error'), []);
    const sections = res.body.entry[0].resource.section as R[];
    const allergies = sections.find((s) => s.code.coding[0].code === '48765-2') as R;
    assert.equal(allergies.entry, undefined);
    assert.equal(allergies.emptyReason.coding[0].code, 'unavailable');
  });

  it('a patient the caller may not read: 404, as for a missing one', async () => {
    const res = await fhir('GET', `Patient/${patients[2]}/$summary`);
    assert.equal(res.status, 404);
    assert.equal(res.body.issue[0].code, 'not-found');
  });
});
