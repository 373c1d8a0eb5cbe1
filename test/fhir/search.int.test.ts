// The search people use (issue 11, part 2), checked against an in-test
// reference filter over the same data: three patients loaded from the
// Synthea-like generator; the practitioner may read all of the first, only
// Observations of the second, nothing of the third. Every parameter's result
// must be exactly what the reference filter finds among what the caller may
// see, and _include/_revinclude never add a resource it may not see.
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { handleFhirRequest } from '../../src/fhir/router/index.js';
import { World } from '../../src/fhir/secure/world-fixture.test.js';
import { syntheaLikeBundle } from './synthea-like.js';

type R = Record<string, any>;
const BASE = 'http://test.invalid/fhir/R4';
let world: World;
const stored: R[] = [];
let visible: R[] = [];
const patients: string[] = [];
const invisible = new Set<string>();

async function fhir(method: string, path: string, query: Record<string, string | string[]> = {}, body?: unknown): Promise<{ status: number; body: R }> {
  const ctx = world.ctx(world.member('dr-a'));
  const res = await handleFhirRequest({ method, path, query, headers: {}, ...(body === undefined ? {} : { body }) }, world.repo, ctx, { baseUrl: BASE });
  return { status: res.status, body: res.body as R };
}

const key = (r: R): string => `${r.resourceType}/${r.id}`;
const ownerOf = (r: R): string | undefined =>
  r.resourceType === 'Patient' ? r.id : [r.subject, r.patient].map((x) => x?.reference?.replace('Patient/', '')).find((x) => x !== undefined) ?? (r.resourceType === 'Provenance' ? r.target[0].reference.replace('Patient/', '') : undefined);

before(async () => {
  world = await World.create();
  for (let p = 0; p < 3; p++) {
    const pseudonym = await world.addPatient();
    patients.push(pseudonym);
    const { bundle } = syntheaLikeBundle(100 + p, 160);
    const patientEntry = bundle.entry.find((e: R) => e.resource.resourceType === 'Patient');
    const urn = patientEntry.fullUrl;
    patientEntry.resource.id = pseudonym;
    patientEntry.request = { method: 'PUT', url: `Patient/${pseudonym}` };
    const text = JSON.stringify(bundle).replaceAll(`"${urn}"`, `"Patient/${pseudonym}"`);
    const res = await fhir('POST', '', {}, JSON.parse(text));
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 1000));
    stored.push(...res.body.entry.map((e: R) => e.resource));
  }
  await world.grant(patients[0] as string, 'dr-a', { type: 'permit', actions: ['access'] });
  await world.grant(patients[1] as string, 'dr-a', { type: 'permit', actions: ['access'], resourceTypes: ['Observation'] });
  visible = stored.filter((r) => {
    const owner = ownerOf(r);
    if (owner === undefined || owner === patients[0]) return true;
    return owner === patients[1] && r.resourceType === 'Observation';
  });
  for (const r of stored) if (!visible.includes(r)) invisible.add(key(r));
  assert.ok(visible.length > 100 && invisible.size > 100);
});
after(async () => {
  await world?.close();
});

/** The reference filter: resources of `type` the caller may see that pass `test`. */
const expect = (type: string, test: (r: R) => boolean): Set<string> => new Set(visible.filter((r) => r.resourceType === type && test(r)).map(key));
const codes = (cc: any): string[] => (Array.isArray(cc) ? cc : cc === undefined ? [] : [cc]).flatMap((c: any) => (c.coding ?? []).map((x: any) => x.code));
const starts = (values: unknown[], q: string): boolean => values.some((v) => typeof v === 'string' && v.toLowerCase().startsWith(q.toLowerCase()));

async function ids(type: string, query: Record<string, string | string[]>): Promise<Set<string>> {
  const res = await fhir('GET', type, { ...query, _count: '1000' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const matches = (res.body.entry ?? []).filter((e: R) => e.search.mode === 'match').map((e: R) => key(e.resource));
  assert.equal(res.body.total, matches.length);
  return new Set(matches);
}

describe('FHIR search against a reference filter, consent-filtered', { timeout: 300_000 }, () => {
  it('token parameters: category, status, clinical-status, gender', async () => {
    assert.deepEqual(await ids('Observation', { category: 'vital-signs' }), expect('Observation', (r) => codes(r.category).includes('vital-signs')));
    assert.deepEqual(await ids('Observation', { category: 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs' }), expect('Observation', () => true));
    for (const status of ['active', 'stopped']) assert.deepEqual(await ids('MedicationRequest', { status }), expect('MedicationRequest', (r) => r.status === status));
    for (const cs of ['active', 'resolved', 'active,resolved']) {
      assert.deepEqual(await ids('Condition', { 'clinical-status': cs }), expect('Condition', (r) => cs.split(',').some((c) => codes(r.clinicalStatus).includes(c))));
    }
    for (const g of ['female', 'male']) assert.deepEqual(await ids('Patient', { gender: g }), expect('Patient', (r) => r.gender === g));
    assert.equal((await ids('Condition', { 'clinical-status': 'active' })).size > 0, true);
  });

  it('encounter, and two parameters ANDed', async () => {
    const enc = visible.find((r) => r.resourceType === 'Encounter') as R;
    assert.deepEqual(await ids('Observation', { encounter: `Encounter/${enc.id}` }), expect('Observation', (r) => r.encounter?.reference === `Encounter/${enc.id}`));
    assert.equal((await ids('Observation', { encounter: enc.id })).size, 1);
    assert.deepEqual(await ids('Condition', { 'clinical-status': 'active', encounter: `Encounter/${enc.id}` }),
      expect('Condition', (r) => codes(r.clinicalStatus).includes('active') && r.encounter?.reference === `Encounter/${enc.id}`));
  });

  it('name, family, given (starts with, any case), birthdate', async () => {
    const pr = visible.find((r) => r.resourceType === 'Practitioner') as R;
    const family = pr.name[0].family as string;
    assert.deepEqual(await ids('Practitioner', { family: family.slice(0, 5).toUpperCase() }), expect('Practitioner', (r) => starts(r.name.map((n: R) => n.family), family.slice(0, 5))));
    assert.deepEqual(await ids('Practitioner', { given: 'an' }), expect('Practitioner', (r) => starts(r.name.flatMap((n: R) => n.given), 'an')));
    assert.deepEqual(await ids('Practitioner', { name: 'dr' }), expect('Practitioner', (r) => starts(r.name.flatMap((n: R) => [n.family, ...n.given, ...n.prefix]), 'dr')));
    const pt = visible.find((r) => r.resourceType === 'Patient') as R;
    assert.deepEqual(await ids('Patient', { family: pt.name[0].family.slice(0, 4) }), expect('Patient', (r) => starts([r.name[0].family], pt.name[0].family.slice(0, 4))));
    assert.deepEqual(await ids('Patient', { birthdate: pt.birthDate }), expect('Patient', (r) => r.birthDate === pt.birthDate));
    assert.deepEqual(await ids('Patient', { birthdate: 'lt1900-01-01' }), new Set());
    // Patients the caller may not see are not found by name either.
    const hidden = stored.find((r) => r.resourceType === 'Patient' && r.id === patients[2]) as R;
    assert.deepEqual(await ids('Patient', { family: hidden.name[0].family }), new Set());
  });

  it('_sort by date (day precision, undated last) and by _lastUpdated', async () => {
    const res = await fhir('GET', 'Observation', { _sort: '-date', _count: '1000' });
    const days = res.body.entry.map((e: R) => (e.resource.effectiveDateTime as string).slice(0, 10));
    assert.deepEqual(days, [...days].sort().reverse());
    assert.equal(days.length, expect('Observation', () => true).size);
    const up = await fhir('GET', 'Condition', { _sort: '_lastUpdated', _count: '1000' });
    const stamps = up.body.entry.map((e: R) => e.resource.meta.lastUpdated as string);
    assert.deepEqual(stamps, [...stamps].sort());
    assert.equal((await fhir('GET', 'Observation', { _sort: 'code' })).status, 400);
  });

  it('_include and _revinclude add only what the caller may see', async () => {
    const res = await fhir('GET', 'Observation', { _include: 'Observation:encounter', _count: '1000' });
    const included = res.body.entry.filter((e: R) => e.search.mode === 'include').map((e: R) => key(e.resource));
    const wanted = new Set(visible.filter((r) => r.resourceType === 'Observation').map((r) => r.encounter.reference as string).filter((ref) => !invisible.has(ref)));
    assert.deepEqual(new Set(included), wanted);
    assert.ok(wanted.size > 0);
    for (const k of included) assert.ok(!invisible.has(k), k);
    // The second patient's Observations reference Encounters it did not release.
    const second = visible.filter((r) => r.resourceType === 'Observation' && ownerOf(r) === patients[1]);
    assert.ok(second.length > 0 && second.every((o) => invisible.has(o.encounter.reference)));
    const rev = await fhir('GET', 'Patient', { _revinclude: 'Observation:subject', _count: '1000' });
    const revIncluded = new Set(rev.body.entry.filter((e: R) => e.search.mode === 'include').map((e: R) => key(e.resource)));
    assert.deepEqual(revIncluded, expect('Observation', (r) => ownerOf(r) === patients[0]));
    const prac = await fhir('GET', 'Encounter', { _include: 'Encounter:participant:Practitioner', _count: '1000' });
    for (const e of prac.body.entry.filter((x: R) => x.search.mode === 'include')) assert.equal(e.resource.resourceType, 'Practitioner');
  });

  it('_summary=count, _elements, _total=none', async () => {
    const count = await fhir('GET', 'Observation', { _summary: 'count' });
    assert.equal(count.body.total, expect('Observation', () => true).size);
    assert.equal(count.body.entry, undefined);
    const el = await fhir('GET', 'Observation', { _elements: 'status,code', _count: '5' });
    for (const e of el.body.entry) {
      assert.deepEqual(Object.keys(e.resource).sort(), ['code', 'id', 'meta', 'resourceType', 'status']);
      assert.ok(e.resource.meta.tag.some((t: R) => t.code === 'SUBSETTED'));
    }
    const none = await fhir('GET', 'Observation', { _total: 'none', _count: '1' });
    assert.equal(none.body.total, undefined);
    assert.equal(none.body.entry.length, 1);
  });

  it('chained subject:Patient.identifier: only through a Patient the caller may see', async () => {
    for (const [i, p] of patients.entries()) {
      const pt = stored.find((r) => r.resourceType === 'Patient' && r.id === p) as R;
      const ident = `${pt.identifier[0].system}|${pt.identifier[0].value}`;
      const got = await ids('Observation', { 'subject:Patient.identifier': ident });
      // The second patient released its Observations but not its Patient resource: its identifier finds nothing.
      assert.deepEqual(got, i === 0 ? expect('Observation', (r) => ownerOf(r) === p) : new Set(), `patient ${i}`);
    }
  });

  it('random combinations of status, category, clinical-status and _sort agree with the reference filter (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Observation', 'Condition', 'MedicationRequest', 'Immunization', 'Procedure', 'Goal'),
        fc.option(fc.constantFrom('final', 'active', 'completed', 'stopped', 'resolved')),
        fc.option(fc.constantFrom('active', 'resolved')),
        fc.option(fc.constantFrom('vital-signs', 'encounter-diagnosis')),
        async (type, status, clinical, category) => {
          const query: Record<string, string> = {};
          if (status !== null) query['status'] = status;
          if (clinical !== null) query['clinical-status'] = clinical;
          if (category !== null) query['category'] = category;
          const want = expect(type, (r) => (status === null || r.status === status)
            && (clinical === null || codes(r.clinicalStatus).includes(clinical))
            && (category === null || codes(r.category).includes(category)));
          assert.deepEqual(await ids(type, query), want);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});
