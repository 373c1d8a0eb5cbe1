// Property tests of delegations (issue 9 finding 1): no sequence of identity
// actions signed by one person alone (a practitioner, an org admin, a privacy
// officer, even one holding both roles) makes an active delegate or an active
// delegate key; and on random states, both the consent contract's question
// (may this delegate key manage consents?) and identity's delegationStatus
// give the answer of a reference model written from the rules directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JsonValue, KeyRecord } from '../../ledger/contract.js';
import { MemoryState, TEST_BLOCK_TIME, TEST_NETWORK, runAction, testKeyId } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { delegateMayManageConsent } from '../consent/delegation.js';
import { delegationGrants, delegationStatus, getDelegate, identityContract, pseudonymForTx, type DelegateRecord } from './index.js';

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const K = {
  admin: testKeyId('alpha/admin'),
  boss: testKeyId('alpha/boss'),
  po: testKeyId('alpha/po'),
  both: testKeyId('alpha/both'),
  dr: testKeyId('alpha/dr'),
  pat: testKeyId('pat'),
};

function world(): { state: MemoryState; pt: string } {
  const state = new MemoryState();
  const org = { orgId: 'alpha', name: 'alpha', adminKeys: [K.admin], nodeKeys: [testKeyId('alpha/node')], hpkePublicKey: HPKE, endpoint: 'https://alpha.example' };
  const run = (action: string, args: unknown, signer: string, txId?: string) => {
    const r = runAction(identityContract, action, args, { state, signer, ...(txId === undefined ? {} : { txId }) });
    assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  };
  assert.equal(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org] }, { state, signer: K.admin }).refusal, undefined);
  run('register-member', { memberId: 'boss', roles: ['org-admin'], keys: [K.boss] }, K.admin);
  run('register-member', { memberId: 'po', roles: ['privacy-officer'], keys: [K.po] }, K.admin);
  run('register-member', { memberId: 'both', roles: ['org-admin', 'privacy-officer'], keys: [K.both] }, K.admin);
  run('register-member', { memberId: 'dr', roles: ['practitioner'], keys: [K.dr] }, K.admin);
  run('register-patient', { keys: [K.pat] }, K.dr, '11'.repeat(32));
  return { state, pt: pseudonymForTx('11'.repeat(32)) };
}

const ACTIONS = ['add-delegate', 'propose-delegate', 'approve-delegate', 'reject-delegate', 'remove-delegate', 'rotate-key', 'revoke-key', 'register-member', 'set-member-roles', 'erase-patient'] as const;
const cmd = fc.record({
  action: fc.constantFrom(...ACTIONS),
  n: fc.nat(50),
  roles: fc.subarray(['org-admin', 'privacy-officer', 'practitioner'] as const, { minLength: 1 }),
  powers: fc.subarray(['read', 'manage-consent', 'manage-keys', 'erase'] as const, { minLength: 1 }),
});

/** Every delegate record of the patient (the patient-delegates index covers all of them). */
function delegates(state: MemoryState, pt: string): DelegateRecord[] {
  return state.list('identity').flatMap(([k]) => (k.startsWith(`delegate/${pt}/`) ? [getDelegate(state, pt, k.split('/')[2]!)!] : []));
}

test('no sequence of identity actions signed by one member alone creates an active delegate', () => {
  fc.assert(
    fc.property(fc.constantFrom(K.dr, K.boss, K.po, K.both, K.admin), fc.array(cmd, { minLength: 1, maxLength: 25 }), (signer, cmds) => {
      const { state, pt } = world();
      let fresh = 0;
      const key = () => testKeyId(`fresh/${fresh++}`);
      const ids = () => delegates(state, pt).map((d) => d.delegateId);
      for (const c of cmds) {
        const dg = ids()[c.n % Math.max(1, ids().length)] ?? 'dg-' + '0'.repeat(32);
        const args: Record<(typeof ACTIONS)[number], unknown> = {
          'add-delegate': { pseudonym: pt, relationship: 'guardian', keys: [key()], powers: c.powers },
          'propose-delegate': { pseudonym: pt, relationship: 'guardian', keys: [key()], powers: c.powers, legalBasis: 'minor-parental-authority', reference: 'r' },
          'approve-delegate': { pseudonym: pt, delegateId: dg },
          'reject-delegate': { pseudonym: pt, delegateId: dg },
          'remove-delegate': { pseudonym: pt, delegateId: dg },
          'rotate-key': { oldKeyId: c.n % 2 === 0 ? K.pat : signer, newKeyId: key() },
          'revoke-key': { keyId: K.pat, reason: 'x' },
          'register-member': { memberId: `m${c.n}`, roles: c.roles, keys: [key()] },
          'set-member-roles': { memberId: ['boss', 'po', 'both', 'dr'][c.n % 4], roles: c.roles },
          'erase-patient': { pseudonym: pt },
        };
        runAction(identityContract, c.action, args[c.action], { state, signer });
      }
      for (const d of delegates(state, pt)) {
        assert.notEqual(d.status, 'active', `${d.delegateId} became active`);
        assert.notEqual(delegationStatus(state, d, TEST_BLOCK_TIME).status, 'active');
      }
      for (const [k, v] of state.list('keys')) {
        assert.ok((v as KeyRecord).kind !== 'delegate' || (v as KeyRecord).status !== 'active', `delegate key ${k} is active`);
      }
    }),
    { numRuns: 300 },
  );
});

test("consent's reading of a delegation and identity's delegationStatus agree with a reference model", () => {
  const PT = 'pt-' + 'a'.repeat(32);
  const DG = 'dg-' + 'b'.repeat(32);
  const KEY = testKeyId('dkey');
  const appointer = fc.record({ memberId: fc.constantFrom('boss', 'po', 'gone'), keyId: fc.constant(K.boss), role: fc.constantFrom('org-admin', 'privacy-officer') });
  const appointment = fc.oneof(
    fc.constant(undefined),
    fc.record({ by: fc.constant('patient'), keyId: fc.constant(K.pat), at: fc.constant(TEST_BLOCK_TIME) }),
    fc.record(
      { by: fc.constant('org'), orgId: fc.constantFrom('alpha', 'beta'), legalBasis: fc.constant('minor-parental-authority'), reference: fc.constant('r'), proposedBy: appointer, proposedAt: fc.constant(TEST_BLOCK_TIME), approvedBy: appointer },
      { requiredKeys: ['by', 'orgId', 'legalBasis', 'reference', 'proposedBy', 'proposedAt'] },
    ),
  );
  const world = fc.record({
    status: fc.constantFrom('active', 'pending', 'removed', 'rejected'),
    keys: fc.constantFrom([KEY], [testKeyId('other')]),
    validUntil: fc.option(fc.constantFrom('2025-12-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z'), { nil: undefined }),
    powers: fc.option(fc.subarray(['read', 'manage-consent', 'manage-keys', 'erase']), { nil: undefined }),
    appointment,
    patient: fc.constantFrom('active', 'erased'),
    org: fc.constantFrom('active', 'removed'),
    boss: fc.record({ status: fc.constantFrom('active', 'inactive'), roles: fc.subarray(['org-admin', 'privacy-officer', 'practitioner']) }),
    po: fc.record({ status: fc.constantFrom('active', 'inactive'), roles: fc.subarray(['org-admin', 'privacy-officer']) }),
  });
  fc.assert(
    fc.property(world, (w) => {
      const state = new MemoryState();
      state.put('identity', `patient/${PT}`, { pseudonym: PT, keys: [], custodian: 'alpha', status: w.patient, since: 1 });
      state.put('governance', 'org/alpha', { orgId: 'alpha', adminKeys: [], nodeKeys: [], status: w.org });
      for (const [memberId, m] of [['boss', w.boss], ['po', w.po]] as const) {
        state.put('identity', `member/alpha/${memberId}`, { orgId: 'alpha', memberId, roles: m.roles, keys: [], status: m.status, since: 1 });
      }
      const rec: { [k: string]: JsonValue } = { pseudonym: PT, delegateId: DG, relationship: 'guardian', keys: [...w.keys], status: w.status, since: 1 };
      if (w.validUntil !== undefined) rec['validUntil'] = w.validUntil;
      if (w.powers !== undefined) rec['powers'] = w.powers;
      if (w.appointment !== undefined) rec['appointment'] = w.appointment as { [k: string]: JsonValue };
      state.put('identity', `delegate/${PT}/${DG}`, rec);
      // The rules of ARCHITECTURE 1.7, read off the generated world (not off state).
      type Who = { memberId: string; role: string } | undefined;
      const holds = (p: Who): boolean =>
        (p?.memberId === 'boss' || p?.memberId === 'po') && w[p.memberId].status === 'active' && w[p.memberId].roles.includes(p.role as never);
      const a = w.appointment;
      const appointed = a?.by === 'patient' || (a?.by === 'org' && a.orgId === 'alpha' && w.org === 'active' && holds(a.proposedBy) && holds(a.approvedBy as Who));
      const expected =
        w.status === 'active' &&
        w.keys.includes(KEY) &&
        (w.powers === undefined || w.powers.includes('manage-consent')) &&
        (w.validUntil === undefined || Date.parse(w.validUntil) > Date.parse(TEST_BLOCK_TIME)) &&
        w.patient === 'active' &&
        appointed;
      const identity = w.keys.includes(KEY) && delegationGrants(state, getDelegate(state, PT, DG), TEST_BLOCK_TIME, 'manage-consent');
      assert.equal(identity, expected);
      assert.equal(delegateMayManageConsent(state, PT, DG, KEY, TEST_BLOCK_TIME), expected);
    }),
    { numRuns: 2000 },
  );
});
