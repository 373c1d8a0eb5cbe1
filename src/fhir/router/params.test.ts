// Property tests: search parameters round-trip through formatSearchQuery and
// parseSearchQuery; date prefixes give the documented inclusive bounds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatSearchQuery, formatToken, parseSearchQuery, parseToken, type QueryParams } from './params.js';
import { parseDateValue } from './dates.js';
import { FhirOutcomeError } from './outcome.js';
import type { DateRange, SearchQuery } from '../types.js';

const idArb = fc.stringMatching(/^[A-Za-z0-9\-.]{1,64}$/);
const instantArb = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const tokenArb = fc.record({ system: fc.option(fc.string({ minLength: 0, maxLength: 12 }), { nil: undefined }), code: fc.string({ minLength: 1, maxLength: 12 }) })
  .map(({ system, code }) => (system === undefined ? { code } : { system, code }));
const oneSided: fc.Arbitrary<DateRange> = fc.oneof(instantArb.map((from) => ({ from })), instantArb.map((to) => ({ to })), instantArb.map((t) => ({ from: t, to: t })));
const twoSided: fc.Arbitrary<DateRange> = fc.tuple(instantArb, instantArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));
const rangesArb = fc.oneof(fc.array(oneSided, { minLength: 1, maxLength: 3 }), twoSided.map((r) => [r]));

const queryArb: fc.Arbitrary<SearchQuery> = fc.record(
  {
    ids: fc.uniqueArray(idArb, { minLength: 1, maxLength: 4 }),
    lastUpdated: rangesArb,
    patient: idArb,
    code: fc.array(tokenArb, { minLength: 1, maxLength: 3 }),
    identifier: fc.array(tokenArb, { minLength: 1, maxLength: 3 }),
    date: rangesArb,
    count: fc.integer({ min: 0, max: 1000 }),
    offset: fc.integer({ min: 0, max: 100000 }),
  },
  { requiredKeys: ['count', 'offset'] },
).map((q) => ({ resourceType: 'Observation', ...q }));

function toParams(pairs: Array<[string, string]>): QueryParams {
  // Through a real query string, as a server would see it.
  const out: QueryParams = {};
  for (const [k, v] of new URLSearchParams(new URLSearchParams(pairs).toString())) {
    const prev = out[k];
    out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  return out;
}

describe('search parameter parsing', () => {
  it('property: parse(format(q)) = q', () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const { query, empty } = parseSearchQuery('Observation', toParams(formatSearchQuery(q)), { strict: true });
        assert.equal(empty, false);
        assert.deepEqual(query, q);
      }),
      { numRuns: 500 },
    );
  });
  it('property: tokens with FHIR escapes round-trip', () => {
    fc.assert(fc.property(tokenArb, (t) => assert.deepEqual(parseToken(formatToken(t), 'code'), t)), { numRuns: 500 });
  });
  it('property: prefixes bound the period inclusively', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 9998 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const value = `${y}-${String(m).padStart(2, '0')}`;
        const eq = parseDateValue(value, 'date');
        const start = eq.from as string;
        const end = eq.to as string;
        assert.equal(start, new Date(Date.UTC(2000, m - 1, 1)).toISOString().replace(/^2000/, String(y)));
        assert.deepEqual(parseDateValue(`ge${value}`, 'date'), { from: start });
        assert.deepEqual(parseDateValue(`le${value}`, 'date'), { to: end });
        assert.deepEqual(parseDateValue(`gt${value}`, 'date'), { from: new Date(Date.parse(end) + 1).toISOString() });
        assert.deepEqual(parseDateValue(`lt${value}`, 'date'), { to: new Date(Date.parse(start) - 1).toISOString() });
      }),
    );
  });
  it('dates at every precision', () => {
    assert.deepEqual(parseDateValue('2024', 'date'), { from: '2024-01-01T00:00:00.000Z', to: '2024-12-31T23:59:59.999Z' });
    assert.deepEqual(parseDateValue('eq2024-02-29', 'date'), { from: '2024-02-29T00:00:00.000Z', to: '2024-02-29T23:59:59.999Z' });
    assert.deepEqual(parseDateValue('ge2024-02-29T10:00:00+02:00', 'date'), { from: '2024-02-29T08:00:00.000Z' });
    for (const bad of ['2023-02-29', '2024-13', '2024-01-01T25:00:00Z', 'ne2024', 'x']) {
      assert.throws(() => parseDateValue(bad, 'date'), (e) => e instanceof FhirOutcomeError && e.code === 'MALFORMED', bad);
    }
  });
  it('reference forms and refusals', () => {
    const parse = (q: QueryParams) => parseSearchQuery('Observation', q, { strict: false }).query;
    assert.equal(parse({ subject: 'Patient/abc' }).patient, 'abc');
    assert.equal(parse({ patient: 'https://x/fhir/Patient/abc' }).patient, 'abc');
    assert.equal(parse({ patient: 'abc' }).patient, 'abc');
    assert.throws(() => parse({ subject: 'Group/g1' }));
    assert.throws(() => parse({ patient: 'a', subject: 'b' }));
    assert.throws(() => parse({ code: ['a', 'b'] }));
    assert.deepEqual(parse({ _id: ['a,b,c', 'b,c,d'] }).ids, ['b', 'c']);
    assert.equal(parseSearchQuery('Observation', { _id: ['a', 'b'] }, { strict: false }).empty, true);
  });
});
