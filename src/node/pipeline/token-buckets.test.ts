// Token buckets: all-or-nothing takes, refill over time, Retry-After figures,
// and a property: over any schedule a key never gets more than burst + rate * time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TokenBuckets } from './token-buckets.js';

void test('takes all or nothing and says how long to wait', () => {
  let now = 0;
  const b = new TokenBuckets({ perSecond: 2, burst: 4 }, () => now);
  assert.equal(b.take(new Map([['a', 3]])), undefined);
  assert.deepEqual(b.take(new Map([['b', 1], ['a', 2]])), { key: 'a', retryAfterMs: 500 });
  // b was not charged by the refused request.
  assert.equal(b.take(new Map([['b', 4]])), undefined);
  now = 500;
  assert.equal(b.take(new Map([['a', 2]])), undefined);
  assert.deepEqual(b.take(new Map([['a', 5]])), { key: 'a', retryAfterMs: Infinity });
});

void test('a refund gives back what a later refusal did not use, up to the burst', () => {
  const b = new TokenBuckets({ perSecond: 1, burst: 3 }, () => 0);
  assert.equal(b.take(new Map([['a', 3]])), undefined);
  b.refund(new Map([['a', 2]]));
  assert.equal(b.take(new Map([['a', 2]])), undefined);
  b.refund(new Map([['a', 10]]));
  assert.equal(b.take(new Map([['a', 3]])), undefined);
  assert.notEqual(b.take(new Map([['a', 1]])), undefined);
});

void test('never more than burst + rate x elapsed time per key', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ dt: fc.nat(2_000), n: fc.integer({ min: 1, max: 6 }) }), { maxLength: 60 }), (steps) => {
      let now = 0;
      const b = new TokenBuckets({ perSecond: 3, burst: 5 }, () => now);
      let granted = 0;
      for (const s of steps) {
        now += s.dt;
        if (b.take(new Map([['k', s.n]])) === undefined) granted += s.n;
      }
      return granted <= 5 + (3 * now) / 1000 + 1e-9;
    }),
    { numRuns: 1000 },
  );
});
