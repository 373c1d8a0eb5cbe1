// Unit tests of the access contract through the in-memory harness, on a
// network built with the real governance and identity contracts: anchors
// (continuity per chain, exact refusal codes), break-glass review by opaque
// reference with the custodian's attestation, incidents by commitment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../crypto/index.js';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId, type RunResult } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { identityContract } from '../identity/index.js';
import {
  REVIEW_ATTESTATION_DOMAIN,
  accessContract,
  chainKey,
  getBreakGlass,
  getChainHead,
  getIncident,
  incidentIdForTx,
  incidentSubject,
  reviewAttestationPayload,
} from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');
const code = (r: RunResult) => r.refusal?.code;
const hex = (label: string) => createHash('sha256').update(label).digest('hex');
const chainId = (label: string) => 'ch-' + hex(label);

function ok(r: RunResult): RunResult {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return r;
}

/** Real node keys: the review attestation is a real signature the contract verifies. */
const alphaNodeKey: SigningKey = generateSigningKey();
const betaNodeKey: SigningKey = generateSigningKey();
const K = {
  alphaNode: alphaNodeKey.keyId,
  betaNode: betaNodeKey.keyId,
  alphaAdmin: testKeyId('alpha/admin'),
  dr: testKeyId('alpha/dr'),
  po: testKeyId('alpha/po'),
  po2: testKeyId('alpha/po2'),
  betaPo: testKeyId('beta/po'),
  pat: testKeyId('pat'),
} as const;

/** Orgs alpha and beta; alpha has practitioner dr and privacy officers po and po2, beta has privacy officer bpo; patient pt. */
function network(): MemoryState {
  const state = new MemoryState();
  const org = (o: string, node: string) => ({ orgId: o, name: o, adminKeys: [testKeyId(`${o}/admin`)], nodeKeys: [node], hpkePublicKey: HPKE, endpoint: `https://${o}.example` });
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha', K.alphaNode), org('beta', K.betaNode)] }, { state, signer: K.alphaAdmin }));
  const idn = (action: string, args: unknown, signer: string, txId?: string) =>
    ok(runAction(identityContract, action, args, { state, signer, ...(txId === undefined ? {} : { txId }) }));
  idn('register-member', { memberId: 'dr', roles: ['practitioner'], keys: [K.dr] }, K.alphaAdmin);
  idn('register-member', { memberId: 'po', roles: ['privacy-officer', 'practitioner'], keys: [K.po] }, K.alphaAdmin);
  idn('register-member', { memberId: 'po2', roles: ['privacy-officer'], keys: [K.po2] }, K.alphaAdmin);
  idn('register-member', { memberId: 'bpo', roles: ['privacy-officer'], keys: [K.betaPo] }, testKeyId('beta/admin'));
  idn('register-patient', { keys: [K.pat] }, K.dr, txIdOf('pt'));
  return state;
}

const A = chainId('patient-a');
const B = chainId('patient-b');
const anchor = (state: MemoryState, args: object, signer: string = K.alphaNode, extra: { txId?: string; height?: number } = {}) =>
  runAction(accessContract, 'anchor', { breakGlass: [], ...args }, { state, signer, ...extra });

test('anchor stores the latest head per chain, namespaced by custodian, and emits counts only', () => {
  const state = network();
  const txId = txIdOf('anchor-1');
  const r = ok(anchor(state, { entries: [{ chain: A, from: 1, seq: 3, head: hex('h3') }, { chain: B, from: 1, seq: 1, head: hex('b1') }] }, K.alphaNode, { txId, height: 42 }));
  assert.deepEqual(getChainHead(state, 'alpha', A), { chain: A, custodian: 'alpha', seq: 3, head: hex('h3'), txId, height: 42 });
  assert.deepEqual(r.events, [{ contract: 'access', type: 'anchored', data: { custodian: 'alpha', chains: 2, events: 4, breakGlass: 0 } }]);
  assert.deepEqual(r.writes.map((w) => w.key), [chainKey('alpha', A), chainKey('alpha', B)]);
  ok(anchor(state, { entries: [{ chain: A, from: 4, seq: 4, head: hex('h4') }] }));
  assert.equal(getChainHead(state, 'alpha', A)?.seq, 4);
  // The same blinded id at another custodian is another chain.
  ok(anchor(state, { entries: [{ chain: A, from: 1, seq: 1, head: hex('beta-1') }] }, K.betaNode));
  assert.equal(getChainHead(state, 'beta', A)?.head, hex('beta-1'));
  assert.equal(getChainHead(state, 'alpha', A)?.head, hex('h4'));
});

test('anchor refuses with exact codes and writes nothing: gaps, rewinds, replays, foreign signers', () => {
  const state = network();
  ok(anchor(state, { entries: [{ chain: A, from: 1, seq: 2, head: hex('h2') }] }));
  const refused = (args: object, signer?: string) => {
    const r = anchor(state, args, signer);
    assert.deepEqual(r.writes, []);
    return code(r);
  };
  const at = (from: number, seq: number, chain = A) => ({ entries: [{ chain, from, seq, head: hex(`x${from}-${seq}`) }] });
  assert.equal(refused(at(4, 4)), 'RULE_VIOLATION'); // seq 3 skipped
  assert.equal(refused(at(2, 5)), 'CONFLICT'); // rewinds over seq 2
  assert.equal(refused(at(1, 2)), 'CONFLICT'); // a replayed anchor
  assert.equal(refused(at(2, 1, B)), 'INVALID_ARGS'); // from > seq
  assert.equal(refused(at(2, 2, B)), 'RULE_VIOLATION'); // a new chain starts at 1
  // One bad entry refuses the whole batch.
  assert.equal(refused({ entries: [{ chain: B, from: 1, seq: 1, head: hex('b') }, { chain: A, from: 9, seq: 9, head: hex('a') }] }), 'RULE_VIOLATION');
  assert.equal(getChainHead(state, 'alpha', B), undefined);
  for (const signer of [K.dr, K.po, K.alphaAdmin, K.pat]) assert.equal(refused(at(3, 3), signer), 'UNAUTHORIZED');
  assert.equal(getChainHead(state, 'alpha', A)?.seq, 2);
  ok(anchor(state, at(3, 3)));
});

test('anchor args are schema-checked (INVALID_ARGS): no identifiers, purposes or reasons fit', () => {
  const state = network();
  const bad = (args: object) => code(runAction(accessContract, 'anchor', args, { state, signer: K.alphaNode }));
  const e = { chain: A, from: 1, seq: 1, head: hex('h') };
  assert.equal(bad({ entries: [], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [e] }), 'INVALID_ARGS'); // breakGlass list required
  assert.equal(bad({ entries: [e, e], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [{ ...e, chain: 'pt-' + '1'.repeat(32) }], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [{ ...e, head: 'H'.repeat(64) }], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [{ ...e, purpose: 'TREAT' }], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [{ ...e, seq: 0, from: 0 }], breakGlass: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [e], breakGlass: ['unconscious patient'] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: [e], breakGlass: [], events: [] }), 'INVALID_ARGS');
  assert.equal(bad({ entries: Array.from({ length: 501 }, (_, i) => ({ ...e, chain: chainId(`c${i}`) })), breakGlass: [] }), 'INVALID_ARGS');
  // The old clear-text action is gone.
  assert.equal(code(runAction(accessContract, 'record', { events: [] }, { state, signer: K.alphaNode })), 'UNKNOWN_ACTION');
});

/** The custodian node's attestation for a reviewer. */
function attest(ref: string, reviewer: string, key: SigningKey = alphaNodeKey, org = 'alpha') {
  return { keyId: key.keyId, sig: toBase64Url(signCanonical(key, REVIEW_ATTESTATION_DOMAIN, reviewAttestationPayload(TEST_NETWORK, org, ref, reviewer))) };
}

test('break-glass: an opaque reference, reviewed once by a privacy officer the custodian attested', () => {
  const state = network();
  const ref = hex('btg-event');
  const r = ok(anchor(state, { entries: [{ chain: A, from: 1, seq: 1, head: hex('h') }], breakGlass: [ref] }, K.alphaNode, { height: 7 }));
  assert.deepEqual(r.events[0]?.data, { custodian: 'alpha', chains: 1, events: 1, breakGlass: 1 });
  const pending = { ref, custodian: 'alpha', status: 'pending', anchoredAt: TEST_BLOCK_TIME, height: 7 };
  assert.deepEqual(getBreakGlass(state, 'alpha', ref), pending);
  assert.equal(code(anchor(state, { entries: [], breakGlass: [ref] })), 'ALREADY_EXISTS');

  const review = (signer: string, args: object, blockTime?: string) =>
    runAction(accessContract, 'review-break-glass', { ref, outcome: 'justified', ...args }, { state, signer, ...(blockTime === undefined ? {} : { blockTime }) });
  const good = attest(ref, 'po');
  for (const signer of [K.dr, K.alphaNode, K.alphaAdmin, K.pat]) assert.equal(code(review(signer, { attestation: good })), 'UNAUTHORIZED');
  assert.equal(code(review(K.betaPo, { attestation: attest(ref, 'bpo', betaNodeKey, 'beta') })), 'NOT_FOUND'); // another org's mark
  assert.equal(code(review(K.po, { ref: hex('other'), attestation: attest(hex('other'), 'po') })), 'NOT_FOUND');
  assert.equal(code(review(K.po, { outcome: 'fine', attestation: good })), 'INVALID_ARGS');
  assert.equal(code(review(K.po, { attestation: good, note: 'a note' })), 'INVALID_ARGS'); // free text stays off the ledger
  assert.equal(code(review(K.po, {})), 'INVALID_ARGS');
  // Attestations: for another reviewer, another ref, by another org's node, or forged.
  assert.equal(code(review(K.po, { attestation: attest(ref, 'po2') })), 'UNAUTHORIZED');
  assert.equal(code(review(K.po, { attestation: attest(hex('other'), 'po') })), 'UNAUTHORIZED');
  assert.equal(code(review(K.po, { attestation: attest(ref, 'po', betaNodeKey) })), 'UNAUTHORIZED');
  assert.equal(code(review(K.po, { attestation: { keyId: K.alphaNode, sig: 'A'.repeat(86) } })), 'UNAUTHORIZED');
  assert.deepEqual(getBreakGlass(state, 'alpha', ref), pending);

  const t = '2026-01-03T10:00:00.000Z';
  const done = ok(review(K.po, { outcome: 'unjustified', attestation: good }, t));
  assert.deepEqual(getBreakGlass(state, 'alpha', ref), { ...pending, status: 'reviewed', outcome: 'unjustified', reviewedBy: 'po', reviewedAt: t });
  assert.deepEqual(done.events, [{ contract: 'access', type: 'break-glass-reviewed', data: { custodian: 'alpha', outcome: 'unjustified' } }]);
  assert.equal(code(review(K.po2, { attestation: attest(ref, 'po2') })), 'CONFLICT');
});

test('report-incident names the patient only through a commitment', () => {
  const state = network();
  const txId = txIdOf('inc');
  const subject = incidentSubject('xr-' + '5'.repeat(32), 'pt-' + 'a'.repeat(32));
  assert.match(subject, /^[0-9a-f]{64}$/);
  const args = { kind: 'integrity-mismatch', custodianOrg: 'alpha', subject, detail: 'record does not match its on-ledger commitment' };
  const r = ok(runAction(accessContract, 'report-incident', args, { state, signer: K.betaNode, txId, height: 9 }));
  const incidentId = incidentIdForTx(txId);
  assert.deepEqual(getIncident(state, 'beta', incidentId), { incidentId, reporterOrg: 'beta', ...args, reportedAt: TEST_BLOCK_TIME, height: 9 });
  assert.deepEqual(r.events, [{ contract: 'access', type: 'incident-reported', data: { incidentId, kind: 'integrity-mismatch', reporterOrg: 'beta', custodianOrg: 'alpha' } }]);
  const inc = (a: object, signer: string = K.betaNode) => code(runAction(accessContract, 'report-incident', { ...args, ...a }, { state, signer }));
  assert.equal(inc({}, K.po), 'UNAUTHORIZED');
  assert.equal(inc({}, K.alphaAdmin), 'UNAUTHORIZED');
  assert.equal(inc({ custodianOrg: 'gamma' }), 'NOT_FOUND');
  assert.equal(inc({ kind: 'other' }), 'INVALID_ARGS');
  assert.equal(inc({ detail: '' }), 'INVALID_ARGS');
  assert.equal(inc({ subject: 'pt-' + 'a'.repeat(32) }), 'INVALID_ARGS');
  assert.equal(inc({ patient: 'pt-' + 'a'.repeat(32) }), 'INVALID_ARGS');
  assert.equal(inc({ recordId: 'obs-1' }), 'INVALID_ARGS');
  assert.equal(inc({ detail: 'mismatch for pt-' + 'a'.repeat(32) }), 'INVALID_ARGS');
  ok(runAction(accessContract, 'report-incident', { ...args, kind: 'exchange-refused', detail: 'HPKE open failed' }, { state, signer: K.betaNode }));
});
