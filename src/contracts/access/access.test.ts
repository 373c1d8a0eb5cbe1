// Unit tests of the access contract through the in-memory harness, on a
// network built with the real governance and identity contracts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId, type RunResult } from '../testing.js';
import { governanceContract } from '../governance/index.js';
import { identityContract, pseudonymForTx } from '../identity/index.js';
import { accessContract, accessEventId, btgKey, getBreakGlass, getIncident, getLogEntry, incidentIdForTx, logKey, logPrefix, type AccessEvent } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');
const code = (r: RunResult) => r.refusal?.code;
function ok(r: RunResult): RunResult {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return r;
}
const K = {
  alphaNode: testKeyId('alpha/node'),
  betaNode: testKeyId('beta/node'),
  alphaAdmin: testKeyId('alpha/admin'),
  dr: testKeyId('alpha/dr'),
  po: testKeyId('alpha/po'),
  betaPo: testKeyId('beta/po'),
  pat: testKeyId('pat'),
} as const;

/** Orgs alpha and beta; alpha has practitioner dr and privacy officer po, beta has privacy officer bpo; patient pt. */
function network(): { state: MemoryState; pt: string } {
  const state = new MemoryState();
  const org = (o: string) => ({ orgId: o, name: o, adminKeys: [testKeyId(`${o}/admin`)], nodeKeys: [testKeyId(`${o}/node`)], hpkePublicKey: HPKE, endpoint: `https://${o}.example` });
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha'), org('beta')] }, { state, signer: K.alphaAdmin }));
  const idn = (action: string, args: unknown, signer: string, txId?: string) =>
    ok(runAction(identityContract, action, args, { state, signer, ...(txId === undefined ? {} : { txId }) }));
  idn('register-member', { memberId: 'dr', roles: ['practitioner'], keys: [K.dr] }, K.alphaAdmin);
  idn('register-member', { memberId: 'po', roles: ['privacy-officer', 'practitioner'], keys: [K.po] }, K.alphaAdmin);
  idn('register-member', { memberId: 'bpo', roles: ['privacy-officer'], keys: [K.betaPo] }, testKeyId('beta/admin'));
  idn('register-patient', { keys: [K.pat] }, K.dr, txIdOf('pt'));
  return { state, pt: pseudonymForTx(txIdOf('pt')) };
}

const CONSENT = 'cns_' + 'A'.repeat(22);
const readEvent = (pt: string, over: Partial<AccessEvent> = {}): AccessEvent => ({
  patient: pt,
  accessor: { kind: 'member', orgId: 'alpha', memberId: 'dr' },
  interaction: 'read',
  records: [{ recordId: 'obs-1', version: 2 }],
  resourceTypes: ['Observation'],
  purpose: 'TREAT',
  consentIds: [CONSENT],
  requestId: 'req-1',
  at: '2025-12-31T23:59:00.000Z',
  ...over,
});
const btgEvent = (pt: string, memberId = 'dr') =>
  readEvent(pt, { purpose: 'BTG', consentIds: [], breakGlass: { reason: 'unconscious patient in ED' }, accessor: { kind: 'member', orgId: 'alpha', memberId } });
const record = (state: MemoryState, events: unknown[], signer: string = K.alphaNode, extra: { txId?: string; blockTime?: string; height?: number } = {}) =>
  runAction(accessContract, 'record', { events }, { state, signer, ...extra });

test('accessEventId follows the documented derivation', () => {
  const txId = '0f'.repeat(32);
  const expected = 'ae-' + createHash('sha256').update(`careledger.access/1\n${txId}\n3`).digest().subarray(0, 16).toString('hex');
  assert.equal(accessEventId(txId, 3), expected);
  assert.notEqual(accessEventId(txId, 0), accessEventId(txId, 1));
  assert.equal(incidentIdForTx(txId), 'inc-' + createHash('sha256').update(`careledger.incident/1\n${txId}`).digest().subarray(0, 16).toString('hex'));
});

test('record writes one time-ordered log entry per event and a count-only event', () => {
  const { state, pt } = network();
  const txId = txIdOf('rec-1');
  const later = readEvent(pt, { at: '2025-12-31T23:59:30.000Z', interaction: 'disclose', recipientOrg: 'beta', requestId: 'req-2' });
  const r = ok(record(state, [later, readEvent(pt)], K.alphaNode, { txId, height: 42 }));
  const [id0, id1] = [accessEventId(txId, 0), accessEventId(txId, 1)];
  assert.deepEqual(getLogEntry(state, pt, later.at, id0), { eventId: id0, custodian: 'alpha', ...later, height: 42 });
  assert.deepEqual(state.get('access', logKey(pt, readEvent(pt).at, id1)), { eventId: id1, custodian: 'alpha', ...readEvent(pt), height: 42 });
  const keys = state.list('access').map(([k]) => k).filter((k) => k.startsWith(logPrefix(pt)));
  assert.deepEqual(keys, [`log/${pt}/2025-12-31T23:59:00.000Z/${id1}`, `log/${pt}/2025-12-31T23:59:30.000Z/${id0}`]);
  assert.deepEqual(r.events, [{ contract: 'access', type: 'recorded', data: { count: 2, breakGlass: 0, custodian: 'alpha' } }]);
  assert.equal(r.writes.length, 2);
  // A patient's own access and a delegate's are recorded too.
  ok(record(state, [readEvent(pt, { accessor: { kind: 'patient', id: pt }, consentIds: [] }), readEvent(pt, { accessor: { kind: 'delegate', id: 'dg-' + '1'.repeat(32) } })]));
});

test('break-glass: pending in the custodian queue, reviewed once by its privacy officer', () => {
  const { state, pt } = network();
  const txId = txIdOf('btg');
  const r = ok(record(state, [readEvent(pt), btgEvent(pt)], K.alphaNode, { txId }));
  assert.deepEqual(r.events[0]?.data, { count: 2, breakGlass: 1, custodian: 'alpha' });
  const eventId = accessEventId(txId, 1);
  const pending = { eventId, patient: pt, accessor: { kind: 'member', orgId: 'alpha', memberId: 'dr' }, reason: 'unconscious patient in ED', at: '2025-12-31T23:59:00.000Z', status: 'pending' };
  assert.deepEqual(state.get('access', btgKey('alpha', eventId)), pending);
  assert.equal(state.get('access', btgKey('alpha', accessEventId(txId, 0))), undefined);

  const review = (signer: string, args: object = {}, blockTime?: string) =>
    runAction(accessContract, 'review-break-glass', { eventId, outcome: 'justified', ...args }, { state, signer, ...(blockTime === undefined ? {} : { blockTime }) });
  assert.equal(code(review(K.dr)), 'UNAUTHORIZED');
  assert.equal(code(review(K.alphaNode)), 'UNAUTHORIZED');
  assert.equal(code(review(K.alphaAdmin)), 'UNAUTHORIZED');
  assert.equal(code(review(K.pat)), 'UNAUTHORIZED');
  assert.equal(code(review(K.betaPo)), 'NOT_FOUND'); // another org's queue
  assert.equal(code(review(K.po, { eventId: accessEventId(txId, 7) })), 'NOT_FOUND');
  assert.equal(code(review(K.po, { outcome: 'fine' })), 'INVALID_ARGS');
  assert.equal(code(review(K.po, { note: 'two\nlines' })), 'INVALID_ARGS');
  assert.deepEqual(getBreakGlass(state, 'alpha', eventId), pending);

  const t = '2026-01-03T10:00:00.000Z';
  const done = ok(review(K.po, { outcome: 'unjustified', note: 'no emergency documented' }, t));
  assert.deepEqual(getBreakGlass(state, 'alpha', eventId), {
    ...pending, status: 'reviewed', outcome: 'unjustified', reviewedBy: 'po', reviewedAt: t, note: 'no emergency documented',
  });
  assert.deepEqual(done.events, [{ contract: 'access', type: 'break-glass-reviewed', data: { eventId, custodian: 'alpha', outcome: 'unjustified' } }]);
  assert.equal(code(review(K.po)), 'CONFLICT');
});

test('a privacy officer may not review their own break-glass access', () => {
  const { state, pt } = network();
  const txId = txIdOf('self');
  ok(record(state, [btgEvent(pt, 'po')], K.alphaNode, { txId }));
  const eventId = accessEventId(txId, 0);
  assert.equal(code(runAction(accessContract, 'review-break-glass', { eventId, outcome: 'justified' }, { state, signer: K.po })), 'UNAUTHORIZED');
  assert.equal(getBreakGlass(state, 'alpha', eventId)?.status, 'pending');
});

test('record refuses with exact codes and writes nothing', () => {
  const { state, pt } = network();
  const refused = (events: unknown[], signer?: string, blockTime?: string) => {
    const r = record(state, events, signer, blockTime === undefined ? {} : { blockTime });
    assert.deepEqual(r.writes, []);
    return code(r);
  };
  assert.equal(refused([readEvent(pt)], K.dr), 'UNAUTHORIZED');
  assert.equal(refused([readEvent(pt)], K.po), 'UNAUTHORIZED');
  assert.equal(refused([readEvent(pt)], K.alphaAdmin), 'UNAUTHORIZED');
  assert.equal(refused([readEvent(pt)], K.pat), 'UNAUTHORIZED');
  assert.equal(refused([readEvent(pt), readEvent(pseudonymForTx('nobody'))]), 'NOT_FOUND');
  assert.equal(refused([readEvent(pt, { interaction: 'disclose', recipientOrg: 'gamma' })]), 'NOT_FOUND');
  // `at` may lead block time by at most the network window (genesis default 300 s).
  assert.equal(refused([readEvent(pt, { at: '2026-01-01T00:05:00.001Z' })]), 'RULE_VIOLATION');
  ok(record(state, [readEvent(pt, { at: '2026-01-01T00:05:00.000Z' })]));
  assert.equal(state.list('access').length, 1);
});

test('record args are schema-checked (INVALID_ARGS), break-glass purposes included', () => {
  const { state, pt } = network();
  const bad = (events: unknown) => code(runAction(accessContract, 'record', { events }, { state, signer: K.alphaNode }));
  const e = readEvent(pt);
  assert.equal(bad([]), 'INVALID_ARGS');
  assert.equal(bad(Array.from({ length: 501 }, () => e)), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, breakGlass: { reason: 'emergency' } }]), 'INVALID_ARGS'); // TREAT with breakGlass
  assert.equal(bad([{ ...e, purpose: 'BTG' }]), 'INVALID_ARGS'); // BTG without breakGlass
  assert.equal(bad([{ ...e, purpose: 'ETREAT', breakGlass: { reason: 'line one\nline two' } }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, purpose: 'ETREAT', breakGlass: { reason: '' } }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, purpose: 'ETREAT', breakGlass: { reason: 'x'.repeat(501) } }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, recipientOrg: 'beta' }]), 'INVALID_ARGS'); // recipient only for disclose
  assert.equal(bad([{ ...e, interaction: 'export' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, purpose: 'MARKETING' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, accessor: { kind: 'member', id: 'dr' } }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, accessor: { kind: 'patient', id: 'someone' } }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, records: Array.from({ length: 1001 }, (_, i) => ({ recordId: `r${i}`, version: 1 })) }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, records: [{ recordId: 'r', version: 0 }] }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, requestId: 'a b' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, at: '2026-01-01T00:00:00Z' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, at: '2026-02-30T00:00:00.000Z' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, consentIds: ['nope'] }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...e, diagnosis: 'x' }]), 'INVALID_ARGS');
  ok(runAction(accessContract, 'record', { events: [{ ...e, purpose: 'ETREAT', breakGlass: { reason: 'x'.repeat(500) } }, { ...e, records: [] }] }, { state, signer: K.alphaNode }));
});

test('after erasure: accesses before erasedAt are still recorded, later ones are GONE', () => {
  const { state, pt } = network();
  const erasedAt = '2026-01-01T12:00:00.000Z';
  ok(runAction(identityContract, 'erase-patient', { pseudonym: pt }, { state, signer: K.pat, blockTime: erasedAt }));
  const blockTime = '2026-01-01T12:01:00.000Z';
  ok(record(state, [readEvent(pt, { at: '2026-01-01T11:59:59.999Z' })], K.alphaNode, { blockTime }));
  assert.equal(code(record(state, [readEvent(pt, { at: erasedAt })], K.alphaNode, { blockTime })), 'GONE');
});

test('report-incident stores the incident under the reporter org', () => {
  const { state, pt } = network();
  const txId = txIdOf('inc');
  const args = { kind: 'integrity-mismatch', custodianOrg: 'alpha', patient: pt, recordId: 'obs-1', version: 2, detail: 'commitment mismatch on receipt' };
  const r = ok(runAction(accessContract, 'report-incident', args, { state, signer: K.betaNode, txId, height: 9 }));
  const incidentId = incidentIdForTx(txId);
  assert.deepEqual(getIncident(state, 'beta', incidentId), { incidentId, reporterOrg: 'beta', ...args, reportedAt: TEST_BLOCK_TIME, height: 9 });
  assert.deepEqual(r.events, [{ contract: 'access', type: 'incident-reported', data: { incidentId, kind: 'integrity-mismatch', reporterOrg: 'beta', custodianOrg: 'alpha' } }]);
  const inc = (a: object, signer: string = K.betaNode) => code(runAction(accessContract, 'report-incident', { ...args, ...a }, { state, signer }));
  assert.equal(inc({}, K.po), 'UNAUTHORIZED');
  assert.equal(inc({}, K.alphaAdmin), 'UNAUTHORIZED');
  assert.equal(inc({ custodianOrg: 'gamma' }), 'NOT_FOUND');
  assert.equal(inc({ patient: pseudonymForTx('nobody') }), 'NOT_FOUND');
  assert.equal(inc({ kind: 'other' }), 'INVALID_ARGS');
  assert.equal(inc({ recordId: undefined }), 'INVALID_ARGS'); // version without recordId
  assert.equal(inc({ detail: '' }), 'INVALID_ARGS');
  ok(runAction(accessContract, 'report-incident', { kind: 'exchange-refused', custodianOrg: 'alpha', patient: pt, detail: 'HPKE open failed' }, { state, signer: K.betaNode }));
});
