// Property tests over random sequences of governance and identity actions:
// a revoked key never becomes active again, approvals never count an org
// twice, every active org keeps an active admin key, and no active key belongs
// to a removed org.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KeyRecord } from '../../ledger/contract.js';
import { MemoryState, TEST_NETWORK, runAction, testKeyId } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { identityContract } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const orgInput = (orgId: string) => ({
  orgId,
  name: orgId,
  adminKeys: [testKeyId(`${orgId}/admin1`), testKeyId(`${orgId}/admin2`)],
  nodeKeys: [testKeyId(`${orgId}/node`)],
  hpkePublicKey: HPKE,
  endpoint: `https://${orgId}.example`,
});

const OPS = ['admit', 'remove', 'approve', 'execute', 'member', 'rotate', 'revoke', 'deactivate', 'patient', 'delegate'] as const;
const command = fc.record({ op: fc.constantFrom(...OPS), a: fc.nat(), b: fc.nat() });

const pick = <T>(items: readonly T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);

function step(state: MemoryState, cmd: { op: (typeof OPS)[number]; a: number; b: number }, fresh: () => string): void {
  const all = state.list('keys');
  const keys = [...all.map(([k]) => k), testKeyId('stranger')];
  // Half the picks come from active org-admin keys, so that governance and admin rules get exercised.
  const admins = all.flatMap(([k, v]) => ((v as KeyRecord).kind === 'org-admin' && (v as KeyRecord).status === 'active' ? [k] : []));
  const biased = (n: number) => (n % 2 === 0 ? pick(admins, n >> 1) : pick(keys, n >> 1)) ?? testKeyId('stranger');
  const signer = biased(cmd.a);
  const gov = state.list('governance');
  const orgIds = gov.flatMap(([k]) => (k.startsWith('org/') ? [k.slice(4)] : []));
  const proposals = gov.flatMap(([k]) => (k.startsWith('proposal/') ? [k.slice(9)] : []));
  const members = state.list('identity').flatMap(([k, v]) => (k.startsWith('member/') ? [v as { memberId: string }] : []));
  const patients = state.list('identity').flatMap(([k]) => (k.startsWith('patient/') ? [k.slice(8)] : []));
  const run = (contract: typeof governanceContract, action: string, args: unknown) => {
    const r = runAction(contract, action, args, { state, signer });
    if (r.refusal !== undefined) assert.deepEqual(r.writes, [], 'a refused transaction wrote state');
  };
  switch (cmd.op) {
    case 'admit':
      return run(governanceContract, 'propose', { kind: 'admit-org', payload: orgInput(`o${fresh().slice(8, 14).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`) });
    case 'remove':
      return run(governanceContract, 'propose', { kind: 'remove-org', payload: { orgId: pick(orgIds, cmd.b) } });
    case 'approve':
      return run(governanceContract, 'approve', { proposalId: pick(proposals, cmd.b) });
    case 'execute':
      return run(governanceContract, 'execute', { proposalId: pick(proposals, cmd.b) });
    case 'member':
      return run(identityContract, 'register-member', { memberId: `m${cmd.b}`, roles: [pick(['practitioner', 'org-admin'], cmd.b)], keys: [fresh()] });
    case 'rotate':
      return run(identityContract, 'rotate-key', { oldKeyId: biased(cmd.b), newKeyId: cmd.b % 5 === 0 ? pick(keys, cmd.a) : fresh() });
    case 'revoke':
      return run(identityContract, 'revoke-key', { keyId: biased(cmd.b), reason: 'test' });
    case 'deactivate':
      return run(identityContract, 'deactivate-member', { memberId: pick(members, cmd.b)?.memberId ?? 'none' });
    case 'patient':
      return run(identityContract, 'register-patient', { keys: [cmd.b % 2 === 0 ? signer : fresh()] });
    case 'delegate':
      return run(identityContract, 'add-delegate', { pseudonym: pick(patients, cmd.b) ?? 'pt-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', relationship: 'proxy', keys: [fresh()] });
  }
}

function checkInvariants(state: MemoryState, everRevoked: Set<string>): void {
  const keys = new Map(state.list('keys').map(([k, v]) => [k, v as KeyRecord]));
  for (const k of everRevoked) assert.equal(keys.get(k)?.status, 'revoked', `revoked key ${k} came back`);
  for (const [k, rec] of keys) if (rec.status === 'revoked') everRevoked.add(k);

  const orgs = new Map<string, { status: string; adminKeys: string[] }>();
  for (const [k, v] of state.list('governance')) if (k.startsWith('org/')) orgs.set(k.slice(4), v as { status: string; adminKeys: string[] });
  for (const [k, v] of state.list('governance')) {
    if (!k.startsWith('proposal/')) continue;
    const approvals = (v as { approvals: string[] }).approvals;
    assert.equal(new Set(approvals).size, approvals.length, 'an org approved twice');
    for (const o of approvals) assert.ok(orgs.has(o), `approval by unknown org ${o}`);
  }
  for (const [orgId, org] of orgs) {
    if (org.status !== 'active') continue;
    const active = org.adminKeys.filter((k) => keys.get(k)?.status === 'active' && keys.get(k)?.kind === 'org-admin' && keys.get(k)?.org === orgId);
    assert.ok(active.length >= 1, `active org ${orgId} has no active admin key`);
  }
  for (const [k, rec] of keys) {
    if (rec.status === 'active' && rec.org !== null) assert.equal(orgs.get(rec.org)?.status, 'active', `active key ${k} of removed org`);
  }
}

test('random governance and identity sequences keep the registry invariants', () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 5, maxLength: 60, size: 'max' }), (cmds) => {
      const state = new MemoryState();
      const g = runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: ['alpha', 'beta', 'gamma'].map(orgInput) }, {
        state,
        signer: testKeyId('alpha/admin1'),
      });
      assert.equal(g.refusal, undefined);
      let n = 0;
      const fresh = () => testKeyId(`fresh/${n++}`);
      const everRevoked = new Set<string>();
      for (const cmd of cmds) {
        step(state, cmd, fresh);
        checkInvariants(state, everRevoked);
      }
    }),
    { numRuns: 100 },
  );
});
