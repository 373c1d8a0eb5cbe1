// Tests of the contracts' HTTP-free queries and the paging helpers under them:
// cursor semantics as the registry doors spell them (`after` = key suffix),
// the TOO_LARGE bound of full listings, and the filters (break-glass queue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCareLedgerError } from '../../errors/index.js';
import { MemoryState } from '../../../test/helpers/contracts.js';
import { allOf, pageOf, SCAN_PAGE, type StateScan } from './keys.js';
import { listOrgs, listProposals } from '../governance/queries.js';
import { listMembers, patientRecord, erasedAt } from '../identity/queries.js';
import { consentsOfPatient, activeConsentIds } from '../consent/queries.js';
import { breakGlassQueue, breakGlassMarks } from '../access/queries.js';

/** The port's scan over a MemoryState: rows under prefix, key order, strictly after afterKey. */
function scanOf(state: MemoryState): StateScan {
  return (namespace, prefix, limit, afterKey) =>
    state
      .list(namespace)
      .filter(([k]) => k.startsWith(prefix) && (afterKey === undefined || k > afterKey))
      .slice(0, limit)
      .map(([key, value]) => ({ key, value }));
}

test('pageOf pages with the key suffix as cursor and null after the last full page', () => {
  const state = new MemoryState();
  for (const id of ['a1', 'b2', 'c3']) state.put('governance', `org/${id}`, { orgId: id });
  state.put('governance', 'proposal/p1', { proposalId: 'p1' });
  const scan = scanOf(state);
  assert.deepEqual(listOrgs(scan, 2), { items: [{ orgId: 'a1' }, { orgId: 'b2' }], next: 'b2' });
  assert.deepEqual(listOrgs(scan, 2, 'b2'), { items: [{ orgId: 'c3' }], next: null });
  assert.deepEqual(listOrgs(scan, 3), { items: [{ orgId: 'a1' }, { orgId: 'b2' }, { orgId: 'c3' }], next: 'c3' });
  assert.deepEqual(listProposals(scan, 10), { items: [{ proposalId: 'p1' }], next: null });
  assert.deepEqual(pageOf(scan, 'governance', 'org/', 5, 'zz'), { items: [], next: null });
});

test("listMembers lists one org's members only", () => {
  const state = new MemoryState();
  state.put('identity', 'member/alpha/dr', { memberId: 'dr' });
  state.put('identity', 'member/alpha-b/x', { memberId: 'x' });
  state.put('identity', 'member/alpha/po', { memberId: 'po' });
  assert.deepEqual(listMembers(scanOf(state), 'alpha', 10), { items: [{ memberId: 'dr' }, { memberId: 'po' }], next: null });
});

test('allOf reads every page and throws TOO_LARGE at max', () => {
  const state = new MemoryState();
  const n = SCAN_PAGE + 3;
  for (let i = 0; i < n; i++) state.put('consent', `grant/pt-1/c${String(i).padStart(4, '0')}`, { i });
  state.put('consent', 'grant/pt-10/other', { i: -1 });
  const scan = scanOf(state);
  const all = allOf<{ i: number }>(scan, 'consent', 'grant/pt-1/', 10_000);
  assert.equal(all.length, n);
  assert.deepEqual(all.slice(-2), [{ i: n - 2 }, { i: n - 1 }]);
  assert.equal(consentsOfPatient(scan, 'pt-1', 10_000).length, n);
  assert.throws(() => consentsOfPatient(scan, 'pt-1', n), (e: unknown) => isCareLedgerError(e) && e.code === 'TOO_LARGE');
});

test('the break-glass queue holds the pending marks of one org', () => {
  const state = new MemoryState();
  state.put('access', 'btg/alpha/r1', { ref: 'r1', status: 'pending' });
  state.put('access', 'btg/alpha/r2', { ref: 'r2', status: 'reviewed' });
  state.put('access', 'btg/beta/r3', { ref: 'r3', status: 'pending' });
  const scan = scanOf(state);
  assert.deepEqual(breakGlassQueue(scan, 'alpha', 100).map((m) => m.ref), ['r1']);
  assert.deepEqual(breakGlassMarks(scan, 'alpha', 100).map((m) => m.ref), ['r1', 'r2']);
});

test('patient readers: record, erasure time, active consent ids', () => {
  const state = new MemoryState();
  state.put('identity', 'patient/pt-1', { pseudonym: 'pt-1', status: 'erased', erasedAt: '2026-01-01T00:00:00.000Z' });
  state.put('consent', 'index/pt-1', ['c1', 7, 'c2']);
  assert.equal(patientRecord(state, 'pt-1')?.status, 'erased');
  assert.equal(erasedAt(state, 'pt-1'), '2026-01-01T00:00:00.000Z');
  assert.equal(erasedAt(state, 'pt-2'), undefined);
  assert.deepEqual(activeConsentIds(state, 'pt-1'), ['c1', 'c2']);
});
