// Unit tests of the records contract through the in-memory harness, on a
// network built with the real governance and identity contracts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId, type RunResult } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { identityContract, pseudonymForTx } from '../identity/index.js';
import { getRecord, getVersion, recordsContract, versionKey } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');
const commitmentOf = (label: string) => createHash('sha256').update(label).digest('base64url');
const code = (r: RunResult) => r.refusal?.code;
function ok(r: RunResult): RunResult {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return r;
}

const K = {
  alphaNode: testKeyId('alpha/node'),
  betaNode: testKeyId('beta/node'),
  alphaAdmin: testKeyId('alpha/admin'),
  betaAdmin: testKeyId('beta/admin'),
  dr: testKeyId('alpha/dr'),
  pat: testKeyId('pat'),
} as const;

/** Orgs alpha and beta, practitioner dr at alpha, patients pt and pt2 (alpha custodian). */
function network(): { state: MemoryState; pt: string; pt2: string } {
  const state = new MemoryState();
  const org = (o: string) => ({ orgId: o, name: o, adminKeys: [testKeyId(`${o}/admin`)], nodeKeys: [testKeyId(`${o}/node`)], hpkePublicKey: HPKE, endpoint: `https://${o}.example` });
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha'), org('beta')] }, { state, signer: K.alphaAdmin }));
  const idn = (action: string, args: unknown, signer: string, txId?: string) =>
    ok(runAction(identityContract, action, args, { state, signer, ...(txId === undefined ? {} : { txId }) }));
  idn('register-member', { memberId: 'dr', roles: ['practitioner'], keys: [K.dr] }, K.alphaAdmin);
  idn('register-patient', { keys: [K.pat] }, K.dr, txIdOf('pt'));
  idn('register-patient', { keys: [testKeyId('pat2')] }, K.dr, txIdOf('pt2'));
  return { state, pt: pseudonymForTx(txIdOf('pt')), pt2: pseudonymForTx(txIdOf('pt2')) };
}

type Op = 'create' | 'update' | 'delete';
const anchorOf = (recordId: string, patient: string, version: number, op: Op = version === 1 ? 'create' : 'update', resourceType = 'Observation') =>
  ({ recordId, patient, resourceType, version, commitment: commitmentOf(`${recordId}/${version}`), op });
const anchor = (state: MemoryState, anchors: unknown[], signer: string = K.alphaNode, extra: { blockTime?: string; txId?: string } = {}) =>
  runAction(recordsContract, 'anchor', { anchors }, { state, signer, ...extra });

test('anchor version 1 writes the record head, the version and one event', () => {
  const { state, pt } = network();
  const txId = txIdOf('anchor-1');
  const r = ok(anchor(state, [anchorOf('obs-1', pt, 1), anchorOf('cond.7', pt, 1, 'update', 'Condition')], K.alphaNode, { txId }));
  assert.deepEqual(getRecord(state, 'obs-1'), {
    recordId: 'obs-1', patient: pt, custodian: 'alpha', resourceType: 'Observation', latest: 1, deleted: false, updatedAt: TEST_BLOCK_TIME,
  });
  assert.deepEqual(state.get('records', 'ver/obs-1/0000000001'), { commitment: commitmentOf('obs-1/1'), op: 'create', at: TEST_BLOCK_TIME, txId });
  assert.deepEqual(getVersion(state, 'cond.7', 1), { commitment: commitmentOf('cond.7/1'), op: 'update', at: TEST_BLOCK_TIME, txId });
  assert.equal(getRecord(state, 'cond.7')?.resourceType, 'Condition');
  assert.deepEqual(r.events, [{ contract: 'records', type: 'anchored', data: { count: 2, custodian: 'alpha' } }]);
  assert.equal(r.writes.length, 4);
  assert.equal(versionKey('x', 42), 'ver/x/0000000042');
  assert.equal(getVersion(state, 'obs-1', 2), undefined);
  assert.equal(getVersion(state, 'obs-1', 0), undefined);
});

test('versions chain: update, delete, and update after delete', () => {
  const { state, pt } = network();
  ok(anchor(state, [anchorOf('obs-1', pt, 1)]));
  const t2 = '2026-01-02T00:00:00.000Z';
  ok(anchor(state, [anchorOf('obs-1', pt, 2)], K.alphaNode, { blockTime: t2 }));
  assert.deepEqual(getRecord(state, 'obs-1'), {
    recordId: 'obs-1', patient: pt, custodian: 'alpha', resourceType: 'Observation', latest: 2, deleted: false, updatedAt: t2,
  });
  ok(anchor(state, [anchorOf('obs-1', pt, 3, 'delete')]));
  assert.equal(getRecord(state, 'obs-1')?.deleted, true);
  assert.equal(getVersion(state, 'obs-1', 3)?.op, 'delete');
  assert.equal(code(anchor(state, [anchorOf('obs-1', pt, 4, 'delete')])), 'CONFLICT');
  ok(anchor(state, [anchorOf('obs-1', pt, 4)]));
  assert.deepEqual([getRecord(state, 'obs-1')?.latest, getRecord(state, 'obs-1')?.deleted], [4, false]);
  assert.equal(getVersion(state, 'obs-1', 1)?.commitment, commitmentOf('obs-1/1'));
});

test('anchor rules refuse with exact codes and leave state untouched', () => {
  const { state, pt, pt2 } = network();
  ok(anchor(state, [anchorOf('obs-1', pt, 1)]));
  ok(anchor(state, [anchorOf('obs-b', pt, 1)], K.betaNode));
  const snapshot = state.list('records');
  const refused = (anchors: unknown[], signer?: string) => {
    const r = anchor(state, anchors, signer);
    assert.deepEqual(r.writes, []);
    assert.deepEqual(r.events, []);
    return code(r);
  };
  assert.equal(refused([anchorOf('obs-2', pseudonymForTx('nobody'), 1)]), 'NOT_FOUND');
  assert.equal(refused([anchorOf('obs-1', pt, 1)]), 'ALREADY_EXISTS');
  assert.equal(refused([anchorOf('obs-b', pt, 1)]), 'ALREADY_EXISTS'); // record ids are network-wide
  assert.equal(refused([anchorOf('obs-1', pt, 3)]), 'CONFLICT');
  assert.equal(refused([anchorOf('obs-1', pt, 1 + 1, 'update', 'Condition')]), 'CONFLICT');
  assert.equal(refused([anchorOf('obs-1', pt2, 2)]), 'CONFLICT');
  assert.equal(refused([anchorOf('obs-new', pt, 2)]), 'NOT_FOUND');
  assert.equal(refused([anchorOf('obs-1', pt, 2)], K.betaNode), 'UNAUTHORIZED');
  assert.equal(refused([anchorOf('obs-9', pt, 1)], K.dr), 'UNAUTHORIZED');
  assert.equal(refused([anchorOf('obs-9', pt, 1)], K.alphaAdmin), 'UNAUTHORIZED');
  assert.equal(refused([anchorOf('obs-9', pt, 1)], K.pat), 'UNAUTHORIZED');
  assert.equal(refused([anchorOf('obs-9', pt, 1)], testKeyId('stranger')), 'UNKNOWN_SIGNER');
  // The first violation refuses the whole transaction, valid anchors included.
  assert.equal(refused([anchorOf('obs-9', pt, 1), anchorOf('obs-1', pt, 3)]), 'CONFLICT');
  assert.deepEqual(state.list('records'), snapshot);
});

test('anchor args are schema-checked (INVALID_ARGS)', () => {
  const { state, pt } = network();
  const base = anchorOf('obs-1', pt, 1);
  const bad = (anchors: unknown) => code(runAction(recordsContract, 'anchor', { anchors }, { state, signer: K.alphaNode }));
  assert.equal(bad([]), 'INVALID_ARGS');
  assert.equal(bad(Array.from({ length: 501 }, (_, i) => anchorOf(`r${i}`, pt, 1))), 'INVALID_ARGS');
  assert.equal(bad([base, { ...base, version: 2, op: 'update' }]), 'INVALID_ARGS'); // recordId twice
  assert.equal(bad([{ ...base, recordId: 'a/b' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, recordId: 'x'.repeat(81) }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, patient: 'pt-1234' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, resourceType: 'observation' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, version: 0 }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, version: 1.5 }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, commitment: Buffer.alloc(31).toString('base64url') }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, commitment: Buffer.alloc(32).toString('base64') + '=' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, commitment: 'A'.repeat(42) + 'B' }]), 'INVALID_ARGS'); // non-canonical last character
  assert.equal(bad([{ ...base, op: 'purge' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, version: 2, op: 'create' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, op: 'delete' }]), 'INVALID_ARGS');
  assert.equal(bad([{ ...base, data: 'x' }]), 'INVALID_ARGS');
  assert.equal(code(runAction(recordsContract, 'anchor', { anchors: [base], extra: 1 }, { state, signer: K.alphaNode })), 'INVALID_ARGS');
  ok(runAction(recordsContract, 'anchor', { anchors: Array.from({ length: 500 }, (_, i) => anchorOf(`r${i}`, pt, 1)) }, { state, signer: K.alphaNode }));
});

test('an erased patient gets GONE; a rotated-out node key gets REVOKED_SIGNER', () => {
  const { state, pt, pt2 } = network();
  ok(anchor(state, [anchorOf('obs-1', pt, 1)]));
  ok(runAction(identityContract, 'erase-patient', { pseudonym: pt }, { state, signer: K.pat }));
  assert.equal(code(anchor(state, [anchorOf('obs-1', pt, 2)])), 'GONE');
  assert.equal(code(anchor(state, [anchorOf('obs-2', pt, 1)])), 'GONE');
  assert.equal(code(anchor(state, [anchorOf('obs-3', pt2, 1), anchorOf('obs-2', pt, 1)])), 'GONE');
  assert.equal(getRecord(state, 'obs-3'), undefined);
  assert.equal(getRecord(state, 'obs-1')?.latest, 1); // anchors stay: commitments without data link to nothing
  ok(runAction(identityContract, 'rotate-key', { oldKeyId: K.alphaNode, newKeyId: testKeyId('alpha/node2') }, { state, signer: K.alphaAdmin }));
  assert.equal(code(anchor(state, [anchorOf('obs-3', pt2, 1)])), 'REVOKED_SIGNER');
  ok(anchor(state, [anchorOf('obs-3', pt2, 1)], testKeyId('alpha/node2')));
});
