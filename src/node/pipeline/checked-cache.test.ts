// The edge-check cache: a hit is exactly the bytes checked at submit, taken
// once; a batch mixing own and foreign envelopes checks only the foreign runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOrderedEnvelope, type OrderedCheck } from '../../ledger/index.js';
import { CheckedCache, batchChecks } from './checked-cache.js';

const bytes = (s: string) => new TextEncoder().encode(s);

void test('a batch reuses the checks of envelopes checked at this edge, in order', async () => {
  const cache = new CheckedCache();
  const [a, b, c, d] = ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}'].map(bytes) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const ok = (e: Uint8Array): OrderedCheck => ({ ...checkOrderedEnvelope(e), code: 'OK' });
  cache.remember([a, c], [ok(a), ok(c)]);
  const checked: Uint8Array[][] = [];
  const chunks = batchChecks([a, b, c, d], cache, (run) => {
    checked.push([...run]);
    return [Promise.resolve(run.map((e) => checkOrderedEnvelope(e)))];
  });
  const all = (await Promise.all(chunks)).flat();
  assert.deepEqual(checked, [[b], [d]]);
  assert.deepEqual(all.map((x) => x.code), ['OK', 'MALFORMED', 'OK', 'MALFORMED']);
  assert.equal(cache.size, 0, 'taken once');
  // A copy of the same bytes (another object) is the same hit.
  cache.remember([a], [ok(a)]);
  assert.equal(cache.take(Uint8Array.from(a))?.code, 'OK');
});

void test('only passing checks are kept, and the cache is bounded', () => {
  const cache = new CheckedCache(2);
  const [a, b, c] = ['x', 'y', 'z'].map(bytes) as [Uint8Array, Uint8Array, Uint8Array];
  cache.remember([a], [checkOrderedEnvelope(a)]);
  assert.equal(cache.size, 0);
  const ok = (e: Uint8Array): OrderedCheck => ({ ...checkOrderedEnvelope(e), code: 'OK' });
  cache.remember([a, b, c], [ok(a), ok(b), ok(c)]);
  assert.equal(cache.size, 2);
  assert.equal(cache.take(a), undefined, 'the oldest went first');
});
