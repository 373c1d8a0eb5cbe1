// Property tests of the consent decision (STYLE.md, Tests): a revoked consent
// never permits, adding a deny grant never turns a deny into a permit, and
// decide is deterministic. Grants go through the contract, so the stored
// form and the index are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide } from './decide.js';
import { arbGrant, arbRequest, arbTime } from '../../../test/helpers/consent-arbitraries.js';
import { T0, World } from '../../../test/helpers/consent-world.js';
import type { ConsentGrant } from './schema.js';

const RUNS = { numRuns: 200 };

/** Grants what the contract accepts (grants whose period already ended at T0 are refused) and returns their ids. */
function seed(w: World, grants: readonly ConsentGrant[]): string[] {
  const ids: string[] = [];
  for (const g of grants) {
    const r = w.run('grant', g);
    if (r.refusal === undefined) ids.push(String(r.events[0]?.data['consentId']));
    else assert.equal(r.refusal.code, 'RULE_VIOLATION');
  }
  return ids;
}

void test('property: a revoked consent never permits', () => {
  fc.assert(
    fc.property(
      fc.array(arbGrant(), { minLength: 1, maxLength: 6 }),
      fc.nat(),
      fc.array(fc.tuple(arbRequest, arbTime), { minLength: 1, maxLength: 8 }),
      (grants, pick, requests) => {
        const w = new World();
        const ids = seed(w, grants);
        fc.pre(ids.length > 0);
        const revoked = ids[pick % ids.length]!;
        assert.equal(w.revoke(revoked).refusal, undefined);
        for (const [req, time] of requests) {
          const d = decide(w.state, req, time, w.book);
          assert.ok(!d.consentIds.includes(revoked), 'a revoked consent took part in a decision');
          if (d.decision === 'permit') assert.ok(d.consentIds.length > 0);
        }
      },
    ),
    RUNS,
  );
});

void test('property: revoking every grant leaves no permit', () => {
  fc.assert(
    fc.property(fc.array(arbGrant(), { maxLength: 5 }), arbRequest, arbTime, (grants, req, time) => {
      const w = new World();
      for (const id of seed(w, grants)) assert.equal(w.revoke(id).refusal, undefined);
      assert.deepEqual(decide(w.state, req, time, w.book), { decision: 'deny', consentIds: [], reason: 'no-consent' });
    }),
    RUNS,
  );
});

void test('property: adding a deny grant never turns a deny into a permit', () => {
  fc.assert(
    fc.property(
      fc.array(arbGrant(), { maxLength: 5 }),
      arbGrant(undefined, 'deny'),
      arbRequest,
      arbTime,
      (grants, denyGrant, req, time) => {
        const w = new World();
        seed(w, grants);
        const before = decide(w.state, req, time, w.book);
        seed(w, [denyGrant]);
        const after = decide(w.state, req, time, w.book);
        if (before.decision === 'deny') assert.equal(after.decision, 'deny');
        if (after.decision === 'permit') assert.deepEqual(after, before);
      },
    ),
    RUNS,
  );
});

void test('property: no grant, of any shape, lifts a denial by provision', () => {
  fc.assert(
    fc.property(fc.array(arbGrant(), { maxLength: 4 }), arbGrant(undefined, 'deny'), arbGrant(), arbRequest, arbTime, (grants, deny, extra, req, time) => {
      const w = new World();
      seed(w, [...grants, deny]);
      const before = decide(w.state, req, time, w.book);
      if (before.reason !== 'denied-by-provision') return;
      seed(w, [extra]);
      const after = decide(w.state, req, time, w.book);
      assert.equal(after.reason, 'denied-by-provision');
      for (const id of before.consentIds) assert.ok(after.consentIds.includes(id));
    }),
    { numRuns: 300 },
  );
});

void test('property: decide is deterministic and does not write state', () => {
  fc.assert(
    fc.property(fc.array(arbGrant(), { maxLength: 6 }), arbRequest, arbTime, (grants, req, time) => {
      const w = new World();
      seed(w, grants);
      const snapshot = JSON.stringify(w.state.list('consent'));
      const first = decide(w.state, req, time, w.book);
      const again = decide(w.state, structuredClone(req), time, w.book);
      assert.deepEqual(again, first);
      // A second world built from the same transactions decides the same.
      const twin = new World();
      seed(twin, grants);
      assert.deepEqual(decide(twin.state, req, time, twin.book), first);
      assert.equal(JSON.stringify(w.state.list('consent')), snapshot);
      assert.equal(first.decision === 'permit', first.reason === 'permitted');
    }),
    RUNS,
  );
});

void test('sanity: the generators produce both permits and denials', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.array(arbGrant(), { minLength: 1, maxLength: 6 }), arbRequest, (grants, req) => {
      const w = new World();
      seed(w, grants);
      seen.add(decide(w.state, req, T0, w.book).reason);
    }),
    { numRuns: 300, seed: 42 },
  );
  for (const reason of ['permitted', 'denied-by-provision', 'no-consent']) assert.ok(seen.has(reason), reason);
});
