// Search, paging, strict handling, conditional create and $everything.
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary FHIR JSON */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureFhirDefinitions } from './validate.js';
import { observation, TEST_BASE, testRouter } from '../../../test/helpers/fhir-router.js';

before(() => ensureFhirDefinitions());

async function seed(n: number) {
  const r = testRouter();
  const p = await r.call('POST', 'Patient', { body: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'A1' }] } });
  const pid = p.json.id as string;
  for (let i = 0; i < n; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    await r.call('POST', 'Observation', { body: observation(pid, { effectiveDateTime: `2024-0${(i % 3) + 1}-${day}T10:00:00Z` }) });
  }
  await r.call('POST', 'Observation', { body: observation('someone-else', { code: { coding: [{ system: 'http://loinc.org', code: '1-1' }] } }) });
  return { ...r, pid };
}

describe('search', () => {
  it('returns a searchset with total, self link and match entries', async () => {
    const { call, pid } = await seed(3);
    const res = await call('GET', 'Observation', { query: { patient: `Patient/${pid}` } });
    assert.equal(res.status, 200);
    const b = res.json as any;
    assert.equal(b.type, 'searchset');
    assert.equal(b.total, 3);
    assert.equal(b.entry.length, 3);
    assert.ok(b.entry.every((e: any) => e.search.mode === 'match' && e.fullUrl.startsWith(`${TEST_BASE}/Observation/`)));
    assert.equal(b.link.length, 1);
    assert.equal(b.link[0].relation, 'self');
    assert.equal((await call('GET', 'Observation', { query: { subject: pid } })).json.total, 3);
    assert.equal((await call('GET', 'Observation', { query: { code: 'http://loinc.org|1-1' } })).json.total, 1);
    assert.equal((await call('GET', 'Observation', { query: { code: '8867-4,1-1' } })).json.total, 4);
    assert.equal((await call('GET', 'Patient', { query: { identifier: 'urn:mrn|A1' } })).json.total, 1);
    assert.equal((await call('GET', 'Observation', { query: { _id: 'x,y' } })).json.total, 0);
  });
  it('filters by date and _lastUpdated with prefixes', async () => {
    const { call, pid } = await seed(6);
    const q = (query: Record<string, string | string[]>) => call('GET', 'Observation', { query: { patient: pid, ...query } }).then((r) => (r.json as any).total);
    assert.equal(await q({ date: '2024-01' }), 2);
    assert.equal(await q({ date: 'ge2024-02' }), 4);
    assert.equal(await q({ date: 'lt2024-02' }), 2);
    assert.equal(await q({ date: ['ge2024-02', 'le2024-02-28'] }), 2);
    assert.equal(await q({ date: ['ge2024-03', 'le2024-01'] }), 0);
    assert.equal(await q({ date: 'eq2024-01,eq2024-03' }), 4);
    assert.equal(await q({ _lastUpdated: 'ge2000' }), 6);
    assert.equal(await q({ _lastUpdated: 'lt2000-01-01T00:00:00Z' }), 0);
    assert.equal((await call('GET', 'Observation', { query: { date: 'yesterday' } })).status, 400);
    assert.equal((await call('GET', 'Observation', { query: { date: 'sa2024' } })).status, 400);
  });
  it('pages with next links until exhausted', async () => {
    const { call, pid } = await seed(45);
    const seen = new Set<string>();
    let res = await call('GET', 'Observation', { query: { patient: pid, _count: '10' } });
    let pages = 0;
    for (;;) {
      pages++;
      const b = res.json as any;
      assert.equal(b.total, 45);
      for (const e of b.entry) seen.add(e.resource.id);
      const next = b.link.find((l: any) => l.relation === 'next');
      if (next === undefined) break;
      const url = new URL(next.url);
      assert.equal(`${url.origin}${url.pathname}`, `${TEST_BASE}/Observation`);
      res = await call('GET', 'Observation', { query: Object.fromEntries(url.searchParams) });
    }
    assert.equal(pages, 5);
    assert.equal(seen.size, 45);
  });
  it('_count defaults to 20 and is capped at 1000', async () => {
    const { call } = await seed(25);
    assert.equal(((await call('GET', 'Observation')).json as any).entry.length, 20);
    const big = (await call('GET', 'Observation', { query: { _count: '5000' } })).json as any;
    assert.ok(big.link[0].url.includes('_count=1000'));
    assert.equal((await call('GET', 'Observation', { query: { _count: '-1' } })).status, 400);
  });
  it('ignores unknown params unless Prefer: handling=strict', async () => {
    const { call } = await seed(1);
    assert.equal((await call('GET', 'Observation', { query: { colour: 'red' } })).status, 200);
    const strict = await call('GET', 'Observation', { query: { colour: 'red' }, headers: { prefer: 'handling=strict' } });
    assert.equal(strict.status, 400);
    assert.equal((strict.json as any).issue[0].code, 'not-supported');
    assert.equal((await call('GET', 'Observation', { query: { _count: '1' }, headers: { prefer: 'handling=strict' } })).status, 200);
  });
  it('POST _search takes form parameters', async () => {
    const { call, pid } = await seed(3);
    const res = await call('POST', 'Observation/_search', { body: { patient: pid, _count: '2' }, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 200);
    assert.equal((res.json as any).total, 3);
    assert.equal((res.json as any).entry.length, 2);
  });
});

describe('conditional create', () => {
  it('201 on no match, 200 on one match (nothing created), 412 on several', async () => {
    const { call } = testRouter();
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'Z9' }] };
    const headers = { 'if-none-exist': 'identifier=urn:mrn|Z9' };
    const first = await call('POST', 'Patient', { body, headers });
    assert.equal(first.status, 201);
    const second = await call('POST', 'Patient', { body, headers });
    assert.equal(second.status, 200);
    assert.equal(second.json.id, first.json.id);
    assert.equal(((await call('GET', 'Patient')).json as any).total, 1);
    await call('POST', 'Patient', { body });
    const third = await call('POST', 'Patient', { body, headers });
    assert.equal(third.status, 412);
  });
});

describe('$everything', () => {
  it('returns the patient and their compartment', async () => {
    const { call, pid } = await seed(4);
    const res = await call('GET', `Patient/${pid}/$everything`);
    assert.equal(res.status, 200);
    const b = res.json as any;
    assert.equal(b.type, 'searchset');
    assert.equal(b.total, 5);
    assert.ok(b.entry.some((e: any) => e.resource.resourceType === 'Patient'));
    const typed = (await call('GET', `Patient/${pid}/$everything`, { query: { _type: 'Observation', start: '2024-02', _count: '1' } })).json as any;
    assert.equal(typed.total, 2);
    assert.equal(typed.entry.length, 1);
    assert.ok(typed.link.some((l: any) => l.relation === 'next'));
    assert.equal((await call('GET', 'Patient/nobody/$everything')).status, 404);
  });
});
