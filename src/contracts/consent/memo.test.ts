// DecisionMemo: a memoised decision equals a fresh one as long as every
// change to state comes with a stamp (as the node's state cache gives one per
// committed block), and the stamp is what invalidates it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import { arbGrant, arbRequest, arbTime } from '../../../test/helpers/consent-arbitraries.js';
import { DecisionMemo, decide, type AccessRequest } from './decide.js';
import { HOSP, PATIENT, T0, World, addHours, drY, request } from '../../../test/helpers/consent-world.js';

/** The world's state with per-namespace stamps, bumped by `touch` (a committed block's namespaces). */
class Stamped implements StateReader {
  readonly #stamps = new Map<string, number>();
  constructor(private readonly world: World) {}
  get(namespace: string, key: string): JsonValue | undefined {
    return this.world.state.get(namespace, key);
  }
  stamp(namespace: string): number {
    return this.#stamps.get(namespace) ?? 0;
  }
  touch(namespaces: Iterable<string>): void {
    for (const ns of new Set(namespaces)) this.#stamps.set(ns, this.stamp(ns) + 1);
  }
}

const memoDecide = (memo: DecisionMemo, state: StateReader, req: AccessRequest, time: string) => memo.prepare(state, req, time)(req);

void test('property: with stamps moving on every change, memoised decisions equal fresh ones', () => {
  type Step = { kind: 'grant'; grant: Parameters<World['grant']>[0] } | { kind: 'revoke'; pick: number } | { kind: 'ask'; req: AccessRequest; time: string };
  const arbStep: fc.Arbitrary<Step> = fc.oneof(
    arbGrant().map((grant) => ({ kind: 'grant' as const, grant })),
    fc.nat().map((pick) => ({ kind: 'revoke' as const, pick })),
    fc.tuple(arbRequest, arbTime).map(([req, time]) => ({ kind: 'ask' as const, req, time })),
  );
  fc.assert(
    fc.property(fc.array(arbStep, { minLength: 1, maxLength: 30 }), (steps) => {
      const world = new World();
      const state = new Stamped(world);
      const memo = new DecisionMemo(world.book, 4);
      const ids: string[] = [];
      for (const step of steps) {
        if (step.kind === 'grant') {
          const r = world.run('grant', step.grant);
          if (r.refusal === undefined) ids.push(String(r.events[0]?.data['consentId']));
          state.touch(r.writes.map((w) => w.namespace));
        } else if (step.kind === 'revoke' && ids.length > 0) {
          const r = world.revoke(ids[step.pick % ids.length]!);
          state.touch(r.writes.map((w) => w.namespace));
        } else if (step.kind === 'ask') {
          // Twice: the second answer comes from the memo.
          const fresh = decide(state, step.req, step.time, world.book);
          assert.deepEqual(memoDecide(memo, state, step.req, step.time), fresh);
          assert.deepEqual(memoDecide(memo, state, step.req, step.time), fresh);
        }
      }
    }),
    { numRuns: 200 },
  );
});

void test('the stamp is what invalidates: a change without one is not seen, a stamp makes it seen', () => {
  const world = new World();
  const state = new Stamped(world);
  const memo = new DecisionMemo(world.book);
  const id = world.grant(drY({ type: 'permit', resourceTypes: ['Observation'] }));
  state.touch(['consent']);
  assert.equal(memoDecide(memo, state, request(), T0).decision, 'permit');
  assert.equal(world.revoke(id).refusal, undefined);
  // No stamp yet (the block is not applied to the reader): still the old selection.
  assert.deepEqual(memoDecide(memo, state, request(), T0), { decision: 'permit', consentIds: [id], reason: 'permitted' });
  state.touch(['consent']);
  assert.deepEqual(memoDecide(memo, state, request(), T0), { decision: 'deny', consentIds: [], reason: 'no-consent' });
});

void test('an unrelated namespace does not invalidate; identity and governance do', () => {
  const world = new World();
  const state = new Stamped(world);
  const memo = new DecisionMemo(world.book);
  world.grant(drY({ type: 'permit' }));
  state.touch(['consent']);
  assert.equal(memoDecide(memo, state, request(), T0).decision, 'permit');
  world.state.put('identity', `member/${HOSP}/dr-y`, { orgId: HOSP, memberId: 'dr-y', roles: ['practitioner'], keys: [], status: 'suspended' });
  state.touch(['access', 'records']);
  assert.equal(memoDecide(memo, state, request(), T0).decision, 'permit');
  state.touch(['identity']);
  assert.deepEqual(memoDecide(memo, state, request(), T0), { decision: 'deny', consentIds: [], reason: 'requester-inactive' });
});

void test('time is still evaluated per call: a memoised grant expires at its end', () => {
  const world = new World();
  const state = new Stamped(world);
  const memo = new DecisionMemo(world.book);
  const end = addHours(T0, 24);
  const id = world.grant(drY({ type: 'permit', period: { start: T0, end } }));
  state.touch(['consent']);
  assert.deepEqual(memoDecide(memo, state, request(), addHours(T0, 1)), { decision: 'permit', consentIds: [id], reason: 'permitted' });
  assert.deepEqual(memoDecide(memo, state, request(), end), { decision: 'deny', consentIds: [id], reason: 'expired' });
});

void test('a reader without stamps is read on every call', () => {
  const world = new World();
  const memo = new DecisionMemo(world.book);
  const id = world.grant(drY({ type: 'permit' }));
  assert.equal(memoDecide(memo, world.state, request(), T0).decision, 'permit');
  assert.equal(world.revoke(id).refusal, undefined);
  assert.deepEqual(memoDecide(memo, world.state, request({ patient: PATIENT }), T0), { decision: 'deny', consentIds: [], reason: 'no-consent' });
});

void test('a malformed time is refused before any lookup', () => {
  const world = new World();
  const memo = new DecisionMemo(world.book);
  assert.throws(() => memo.prepare(new Stamped(world), request(), 'yesterday'), (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGS');
});
