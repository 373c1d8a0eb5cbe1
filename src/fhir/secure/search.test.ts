// Search over the blind index: paging totals, code and identifier tokens,
// clinical dates (including boundary days), _lastUpdated, _id, $everything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { SearchQuery } from '../types.js';
import { observation, PERMIT_ALL, World } from './world-fixture.test.js';

const LOINC = 'http://loinc.org';

describe('secure repository: search', () => {
  let w: World;
  let p: string;
  const ids: string[] = [];
  before(async () => {
    w = await World.create();
    p = await w.addPatient();
    await w.grant(p, 'dr-b', PERMIT_ALL);
    const dr = w.ctx(w.member('dr-a'));
    const ops = Array.from({ length: 23 }, (_, i) => ({
      op: 'create' as const,
      resource: observation(p, {
        code: { coding: [{ system: LOINC, code: i % 2 === 0 ? 'even' : 'odd' }] },
        identifier: [{ system: 'urn:lab', value: `lab-${i}` }],
        effectiveDateTime: `2026-01-${String(i + 1).padStart(2, '0')}T12:00:00Z`,
      }),
    }));
    for (const r of await w.repo.transaction(dr, ops)) ids.push(String(r.resource?.id));
  });
  after(async () => w.close());

  const q = (extra: Partial<SearchQuery> = {}): SearchQuery => ({ resourceType: 'Observation', count: 10, offset: 0, ...extra });
  const search = async (extra: Partial<SearchQuery> = {}) => w.repo.search(w.ctx(w.member('dr-b')), q(extra));

  test('paging: total counts every match, pages partition the results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (count) => {
        const seen: string[] = [];
        for (let offset = 0; offset < 30; offset += count) {
          const r = await search({ count, offset });
          assert.equal(r.total, 23);
          assert.equal(r.resources.length, Math.max(0, Math.min(count, 23 - offset)));
          seen.push(...r.resources.map((x) => String(x.id)));
        }
        assert.deepEqual([...seen].sort(), [...ids].sort());
      }),
      { numRuns: 6 },
    );
    await w.repo.flush();
  });

  test('code and identifier tokens, with and without system', async () => {
    assert.equal((await search({ code: [{ code: 'even' }], count: 50 })).total, 12);
    assert.equal((await search({ code: [{ system: LOINC, code: 'odd' }] })).total, 11);
    assert.equal((await search({ code: [{ system: 'http://snomed.info/sct', code: 'odd' }] })).total, 0);
    assert.equal((await search({ code: [{ code: 'odd' }, { code: 'even' }] })).total, 23);
    const one = await search({ identifier: [{ system: 'urn:lab', code: 'lab-4' }] });
    assert.equal(one.total, 1);
    assert.deepEqual(one.resources[0]?.['identifier'], [{ system: 'urn:lab', value: 'lab-4' }]);
    assert.equal((await search({ code: [{ code: 'even' }], identifier: [{ code: 'lab-3' }] })).total, 0);
  });

  test('clinical date ranges, exact on boundary days', async () => {
    assert.equal((await search({ date: [{ from: '2026-01-05T00:00:00.000Z', to: '2026-01-07T23:59:59.999Z' }] })).total, 3);
    // 12:00 on the 5th is after 12:30: excluded only by the exact (decrypted) check.
    assert.equal((await search({ date: [{ from: '2026-01-05T12:30:00.000Z', to: '2026-01-07T11:00:00.000Z' }] })).total, 1);
    assert.equal((await search({ date: [{ from: '2026-01-20T00:00:00.000Z' }] })).total, 4);
    assert.equal((await search({ date: [{ to: '2025-12-31T23:59:59.999Z' }] })).total, 0);
  });

  test('_id, _lastUpdated and the patient filter', async () => {
    const r = await search({ ids: [ids[3] as string, 'unknown'] });
    assert.deepEqual(r.resources.map((x) => x.id), [ids[3]]);
    assert.equal((await search({ lastUpdated: [{ from: '2000-01-01T00:00:00Z' }] })).total, 23);
    assert.equal((await search({ lastUpdated: [{ to: '2000-01-01T00:00:00Z' }] })).total, 0);
    assert.equal((await search({ patient: `Patient/${p}` })).total, 23);
    assert.equal((await search({ patient: 'pt-' + 'f'.repeat(32) })).total, 0);
  });

  test('$everything: the compartment, filtered by type and care dates, paged', async () => {
    const dr = w.ctx(w.member('dr-a'));
    await w.repo.update(dr, { resourceType: 'Patient', id: p, gender: 'other' });
    const all = await w.repo.everything(w.ctx(w.member('dr-b')), p, { count: 5, offset: 0 });
    assert.equal(all.total, 24);
    assert.equal(all.resources.length, 5);
    const types = await w.repo.everything(w.ctx(w.member('dr-b')), p, { types: ['Patient'], count: 5, offset: 0 });
    assert.deepEqual(types.resources.map((x) => x.resourceType), ['Patient']);
    const dated = await w.repo.everything(w.ctx(w.member('dr-b')), p, { start: '2026-01-10', end: '2026-01-11', count: 50, offset: 0 });
    assert.equal(dated.total, 3, 'two observations plus the undated Patient');
    await w.repo.flush();
    assert.ok(w.accessLog(p).some((e) => e['interaction'] === 'everything'));
  });
});
