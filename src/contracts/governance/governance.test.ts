// Unit tests of the governance contract through the in-memory harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KEYS_NAMESPACE } from '../../ledger/contract.js';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId } from '../../../test/helpers/contracts.js';
import { identityContract } from '../identity/index.js';
import { governanceContract, getNetworkConfig, getOrg, getProposal, proposalIdForTx, tlsPinsForOrigin } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const orgInput = (orgId: string) => ({
  orgId,
  name: `Org ${orgId}`,
  adminKeys: [testKeyId(`${orgId}/admin`)],
  nodeKeys: [testKeyId(`${orgId}/node`)],
  hpkePublicKey: HPKE,
  endpoint: `https://${orgId}.example:8443`,
});
const admin = (orgId: string) => testKeyId(`${orgId}/admin`);

function gov(state: MemoryState, action: string, args: unknown, signer: string, txId?: string) {
  return runAction(governanceContract, action, args, txId === undefined ? { state, signer } : { state, signer, txId });
}

function network(...orgIds: string[]): MemoryState {
  const state = new MemoryState();
  const r = gov(state, 'genesis', { networkId: TEST_NETWORK, orgs: orgIds.map(orgInput) }, admin(orgIds[0] ?? ''));
  assert.equal(r.refusal, undefined);
  return state;
}

/** Proposes as `orgId`'s admin with a fixed txId and returns the proposal id. */
function proposeAs(state: MemoryState, orgId: string, args: unknown, label: string): string {
  const txId = createHash('sha256').update(label).digest('hex');
  const r = gov(state, 'propose', args, admin(orgId), txId);
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return proposalIdForTx(txId);
}

test('genesis writes config, orgs and key records', () => {
  const state = new MemoryState();
  const r = gov(state, 'genesis', { networkId: TEST_NETWORK, orgs: [orgInput('alpha'), orgInput('beta')] }, admin('beta'));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(getNetworkConfig(state), {
    networkId: TEST_NETWORK,
    timeWindowMs: 300000,
    policies: { admitOrg: 'majority', removeOrg: 'majority', changePolicy: 'majority' },
    configVersion: 1,
  });
  assert.deepEqual(getOrg(state, 'alpha'), { ...orgInput('alpha'), status: 'active', since: 1 });
  assert.deepEqual(state.get(KEYS_NAMESPACE, admin('alpha')), {
    kind: 'org-admin', org: 'alpha', owner: 'alpha', roles: [], status: 'active', since: 1,
  });
  assert.deepEqual(state.get(KEYS_NAMESPACE, testKeyId('beta/node')), {
    kind: 'node', org: 'beta', owner: 'beta', roles: [], status: 'active', since: 1,
  });
  assert.deepEqual(state.get('governance', 'index/orgs'), { orgIds: ['alpha', 'beta'] });
  assert.deepEqual(r.events, [
    { contract: 'governance', type: 'network-created', data: { networkId: TEST_NETWORK, orgIds: ['alpha', 'beta'], configVersion: 1 } },
  ]);
});

test('genesis twice is ALREADY_EXISTS and changes nothing', () => {
  const state = network('alpha');
  const before = state.list('governance');
  const r = gov(state, 'genesis', { networkId: TEST_NETWORK, orgs: [orgInput('other')] }, admin('other'));
  assert.deepEqual(r.refusal?.code, 'ALREADY_EXISTS');
  assert.deepEqual(r.writes, []);
  assert.deepEqual(state.list('governance'), before);
});

test('genesis refusals: unlisted signer, wrong network, malformed args', () => {
  const state = new MemoryState();
  const args = { networkId: TEST_NETWORK, orgs: [orgInput('alpha')] };
  assert.equal(gov(state, 'genesis', args, testKeyId('stranger')).refusal?.code, 'UNAUTHORIZED');
  assert.equal(gov(state, 'genesis', args, testKeyId('alpha/node')).refusal?.code, 'UNAUTHORIZED');
  assert.equal(gov(state, 'genesis', { ...args, networkId: 'other-net' }, admin('alpha')).refusal?.code, 'WRONG_NETWORK');
  const dupKey = { ...orgInput('beta'), adminKeys: [admin('alpha')] };
  assert.equal(gov(state, 'genesis', { ...args, orgs: [orgInput('alpha'), dupKey] }, admin('alpha')).refusal?.code, 'INVALID_ARGS');
  const badUrl = { ...orgInput('alpha'), endpoint: 'ftp://alpha.example' };
  assert.equal(gov(state, 'genesis', { ...args, orgs: [badUrl] }, admin('alpha')).refusal?.code, 'INVALID_ARGS');
  assert.equal(gov(state, 'genesis', { ...args, orgs: [{ ...orgInput('A_b') }] }, admin('A_b')).refusal?.code, 'INVALID_ARGS');
  assert.equal(getNetworkConfig(state), undefined);
  assert.deepEqual(state.list(KEYS_NAMESPACE), []);
});

test('admission needs a majority of three orgs; double approval is CONFLICT', () => {
  const state = network('alpha', 'beta', 'gamma');
  const id = proposeAs(state, 'alpha', { kind: 'admit-org', payload: orgInput('delta') }, 'p1');
  assert.deepEqual(getProposal(state, id), {
    proposalId: id,
    kind: 'admit-org',
    payload: orgInput('delta'),
    proposer: 'alpha',
    approvals: ['alpha'],
    status: 'open',
    createdAt: TEST_BLOCK_TIME,
  });
  assert.equal(getOrg(state, 'delta'), undefined);
  assert.equal(gov(state, 'approve', { proposalId: id }, admin('alpha')).refusal?.code, 'CONFLICT');
  assert.equal(gov(state, 'approve', { proposalId: id }, testKeyId('beta/node')).refusal?.code, 'UNAUTHORIZED');
  const r = gov(state, 'approve', { proposalId: id }, admin('beta'));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.events.map((e) => e.type), ['proposal-approved', 'org-admitted', 'proposal-executed']);
  assert.equal(getProposal(state, id)?.status, 'executed');
  assert.deepEqual(getProposal(state, id)?.approvals, ['alpha', 'beta']);
  assert.equal(getProposal(state, id)?.executedAt, TEST_BLOCK_TIME);
  assert.deepEqual(getOrg(state, 'delta'), { ...orgInput('delta'), status: 'active', since: state.txCount });
  assert.equal((state.get(KEYS_NAMESPACE, admin('delta')) as { status: string }).status, 'active');
  assert.equal(gov(state, 'approve', { proposalId: id }, admin('gamma')).refusal?.code, 'CONFLICT');
  assert.equal(gov(state, 'approve', { proposalId: proposalIdForTx('nope') }, admin('gamma')).refusal?.code, 'NOT_FOUND');
});

test('a single-org network executes proposals at once', () => {
  const state = network('alpha');
  const id = proposeAs(state, 'alpha', { kind: 'admit-org', payload: orgInput('beta') }, 'solo');
  assert.equal(getProposal(state, id)?.status, 'executed');
  assert.equal(getOrg(state, 'beta')?.status, 'active');
});

test('proposals that are impossible already are refused', () => {
  const state = network('alpha', 'beta');
  const r1 = gov(state, 'propose', { kind: 'admit-org', payload: orgInput('beta') }, admin('alpha'));
  assert.equal(r1.refusal?.code, 'ALREADY_EXISTS');
  const stolen = { ...orgInput('delta'), nodeKeys: [testKeyId('alpha/node')] };
  assert.equal(gov(state, 'propose', { kind: 'admit-org', payload: stolen }, admin('alpha')).refusal?.code, 'ALREADY_EXISTS');
  assert.equal(gov(state, 'propose', { kind: 'remove-org', payload: { orgId: 'zeta' } }, admin('alpha')).refusal?.code, 'NOT_FOUND');
  assert.equal(gov(state, 'propose', { kind: 'change-policy', payload: {} }, admin('alpha')).refusal?.code, 'INVALID_ARGS');
  assert.equal(gov(state, 'propose', { kind: 'admit-org', payload: orgInput('delta') }, testKeyId('nobody')).refusal?.code, 'UNKNOWN_SIGNER');
});

test('removal revokes the org admin, node and member keys', () => {
  const state = network('alpha', 'beta', 'gamma');
  const member = testKeyId('gamma/dr-who');
  const reg = runAction(identityContract, 'register-member', { memberId: 'dr-who', roles: ['practitioner'], keys: [member] }, { state, signer: admin('gamma') });
  assert.equal(reg.refusal, undefined);
  const id = proposeAs(state, 'alpha', { kind: 'remove-org', payload: { orgId: 'gamma' } }, 'rm');
  assert.equal(gov(state, 'approve', { proposalId: id }, admin('beta')).refusal, undefined);
  assert.equal(getOrg(state, 'gamma')?.status, 'removed');
  for (const k of [admin('gamma'), testKeyId('gamma/node'), member]) {
    assert.equal((state.get(KEYS_NAMESPACE, k) as { status: string }).status, 'revoked', k);
  }
  assert.equal((state.get(KEYS_NAMESPACE, admin('beta')) as { status: string }).status, 'active');
  const again = gov(state, 'update-org', { endpoint: 'https://g.example' }, admin('gamma'));
  assert.equal(again.refusal?.code, 'REVOKED_SIGNER');
  assert.deepEqual(getActiveOrgIdsOf(state), ['alpha', 'beta']);
});

function getActiveOrgIdsOf(state: MemoryState): string[] {
  return state.list('governance').flatMap(([k, v]) => (k.startsWith('org/') && (v as { status: string }).status === 'active' ? [k.slice(4)] : []));
}

test('change-policy updates the config and the threshold', () => {
  const state = network('alpha', 'beta', 'gamma');
  const id = proposeAs(state, 'beta', { kind: 'change-policy', payload: { timeWindowMs: 60000, policies: { admitOrg: 'unanimous' } } }, 'cp');
  const r = gov(state, 'approve', { proposalId: id }, admin('gamma'));
  assert.deepEqual(r.events.map((e) => e.type), ['proposal-approved', 'policy-changed', 'proposal-executed']);
  assert.deepEqual(getNetworkConfig(state), {
    networkId: TEST_NETWORK,
    timeWindowMs: 60000,
    policies: { admitOrg: 'unanimous', removeOrg: 'majority', changePolicy: 'majority' },
    configVersion: 2,
  });
  const adm = proposeAs(state, 'alpha', { kind: 'admit-org', payload: orgInput('delta') }, 'adm');
  gov(state, 'approve', { proposalId: adm }, admin('beta'));
  assert.equal(getProposal(state, adm)?.status, 'open');
  gov(state, 'approve', { proposalId: adm }, admin('gamma'));
  assert.equal(getProposal(state, adm)?.status, 'executed');
});

test('a proposal that became impossible is rejected, and the approval still commits', () => {
  const state = network('alpha', 'beta', 'gamma');
  const first = proposeAs(state, 'alpha', { kind: 'admit-org', payload: orgInput('delta') }, 'first');
  const second = proposeAs(state, 'beta', { kind: 'admit-org', payload: orgInput('delta') }, 'second');
  assert.equal(gov(state, 'approve', { proposalId: first }, admin('gamma')).refusal, undefined);
  // delta is now active too: four orgs, so the second proposal needs three approvals.
  assert.deepEqual(gov(state, 'approve', { proposalId: second }, admin('gamma')).events.map((e) => e.type), ['proposal-approved']);
  const r = gov(state, 'approve', { proposalId: second }, admin('alpha'));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.events.map((e) => e.type), ['proposal-approved', 'proposal-rejected']);
  const closed = getProposal(state, second);
  assert.equal(closed?.status, 'rejected');
  assert.equal(closed?.reason, 'ALREADY_EXISTS');
  assert.equal(closed?.rejectedAt, TEST_BLOCK_TIME);
  assert.equal(gov(state, 'approve', { proposalId: second }, admin('delta')).refusal?.code, 'CONFLICT');
});

test('execute closes a proposal whose electorate shrank', () => {
  const state = network('alpha', 'beta', 'gamma', 'delta');
  const cp = proposeAs(state, 'alpha', { kind: 'change-policy', payload: { timeWindowMs: 120000 } }, 'cp');
  gov(state, 'approve', { proposalId: cp }, admin('beta'));
  assert.equal(getProposal(state, cp)?.status, 'open');
  assert.equal(gov(state, 'execute', { proposalId: cp }, admin('gamma')).refusal?.code, 'RULE_VIOLATION');
  const rm = proposeAs(state, 'gamma', { kind: 'remove-org', payload: { orgId: 'delta' } }, 'rm');
  gov(state, 'approve', { proposalId: rm }, admin('alpha'));
  gov(state, 'approve', { proposalId: rm }, admin('beta'));
  assert.equal(getOrg(state, 'delta')?.status, 'removed');
  assert.equal(gov(state, 'execute', { proposalId: cp }, admin('gamma')).refusal, undefined);
  assert.equal(getProposal(state, cp)?.status, 'executed');
  assert.equal(getNetworkConfig(state)?.timeWindowMs, 120000);
});

test('the last active org cannot be removed', () => {
  const state = network('alpha');
  const r = gov(state, 'propose', { kind: 'remove-org', payload: { orgId: 'alpha' } }, admin('alpha'));
  assert.equal(r.refusal?.code, 'RULE_VIOLATION');
});

test('update-org changes endpoint and HPKE key of the signer org only', () => {
  const state = network('alpha', 'beta');
  const hpke = Buffer.alloc(32, 9).toString('base64url');
  const r = gov(state, 'update-org', { endpoint: 'http://alpha.internal:7000', hpkePublicKey: hpke }, admin('alpha'));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(getOrg(state, 'alpha'), { ...orgInput('alpha'), endpoint: 'http://alpha.internal:7000', hpkePublicKey: hpke, status: 'active', since: 1 });
  assert.equal(gov(state, 'update-org', { endpoint: 'https://x.example' }, testKeyId('alpha/node')).refusal?.code, 'UNAUTHORIZED');
  assert.equal(gov(state, 'update-org', {}, admin('alpha')).refusal?.code, 'INVALID_ARGS');
  assert.equal(gov(state, 'update-org', { hpkePublicKey: 'AAAA' }, admin('alpha')).refusal?.code, 'INVALID_ARGS');
});

test('proposalIdForTx follows the documented derivation', () => {
  const txId = 'ab'.repeat(32);
  const expected = 'prop_' + createHash('sha256').update('careledger.proposal/1\n' + txId).digest().subarray(0, 16).toString('base64url');
  assert.equal(proposalIdForTx(txId), expected);
  assert.match(expected, /^prop_[A-Za-z0-9_-]{22}$/);
});

test('TLS pins: registered at genesis, rotated and removed by the org itself with update-org, read by origin', () => {
  const pin = (n: number) => Buffer.alloc(32, n).toString('base64url');
  const state = new MemoryState();
  const alpha = { ...orgInput('alpha'), tlsPins: [pin(1)] };
  assert.equal(gov(state, 'genesis', { networkId: TEST_NETWORK, orgs: [alpha, orgInput('beta')] }, admin('alpha')).refusal, undefined);
  assert.deepEqual(getOrg(state, 'alpha')?.tlsPins, [pin(1)]);
  assert.equal('tlsPins' in (getOrg(state, 'beta') ?? {}), false, 'no pins: no field');
  assert.deepEqual(tlsPinsForOrigin(state, 'https://alpha.example:8443'), [pin(1)]);
  assert.equal(tlsPinsForOrigin(state, 'https://beta.example:8443'), undefined);
  assert.equal(tlsPinsForOrigin(state, 'https://alpha.example:8444'), undefined, 'another port is another origin');
  // Rotation: announce the next key beside the current one, then drop the old one.
  const r = gov(state, 'update-org', { tlsPins: [pin(1), pin(2)] }, admin('alpha'));
  assert.equal(r.refusal, undefined);
  assert.deepEqual(r.events, [{ contract: 'governance', type: 'org-updated', data: { orgId: 'alpha', endpoint: 'https://alpha.example:8443', hpkePublicKey: HPKE, tlsPins: [pin(1), pin(2)] } }]);
  assert.equal(gov(state, 'update-org', { tlsPins: [pin(2)], endpoint: 'https://alpha2.example' }, admin('alpha')).refusal, undefined);
  assert.deepEqual(tlsPinsForOrigin(state, 'https://alpha2.example'), [pin(2)]);
  assert.equal(tlsPinsForOrigin(state, 'https://alpha.example:8443'), undefined);
  // Only the org's own admin: beta's admin updates beta, a node key nothing.
  assert.equal(gov(state, 'update-org', { tlsPins: [pin(3)] }, testKeyId('alpha/node')).refusal?.code, 'UNAUTHORIZED');
  assert.equal(gov(state, 'update-org', { tlsPins: [pin(3)] }, admin('beta')).refusal, undefined);
  assert.deepEqual(getOrg(state, 'alpha')?.tlsPins, [pin(2)]);
  // Malformed: not 32 bytes, listed twice, more than four.
  for (const bad of [['AAAA'], [pin(4), pin(4)], [pin(1), pin(2), pin(3), pin(4), pin(5)]]) {
    assert.equal(gov(state, 'update-org', { tlsPins: bad }, admin('alpha')).refusal?.code, 'INVALID_ARGS');
  }
  // [] removes them: peers then check the consortium CA only.
  assert.equal(gov(state, 'update-org', { tlsPins: [] }, admin('alpha')).refusal, undefined);
  assert.equal('tlsPins' in (getOrg(state, 'alpha') ?? {}), false);
  assert.equal(tlsPinsForOrigin(state, 'https://alpha2.example'), undefined);
  // An update without pins leaves the event as it was before pins existed.
  const plain = gov(state, 'update-org', { endpoint: 'https://alpha3.example' }, admin('alpha'));
  assert.deepEqual(plain.events[0]?.data, { orgId: 'alpha', endpoint: 'https://alpha3.example', hpkePublicKey: HPKE });
});
