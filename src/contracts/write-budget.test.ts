// No state value grows with the data (docs/state-layout.md): the state bytes
// one transaction writes stay under a fixed budget however many members,
// patients, delegates and appointments came before it. Before the layout
// change the Nth register-member rewrote the org's whole member index (about
// 12 bytes more per member), so its writes grew without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '../crypto/index.js';
import { MemoryState, TEST_NETWORK, runAction, testKeyId, type RunResult } from '../../test/helpers/contracts.js';
import { governanceContract } from './governance/index.js';
import { identityContract, pseudonymForTx } from './identity/index.js';

/** Most state bytes (namespace + key + canonical value) one transaction of the mix may write. */
export const WRITE_BUDGET = 2048;

const HPKE = Buffer.alloc(32, 7).toString('base64url');
const txIdOf = (label: string) => createHash('sha256').update(label).digest('hex');
const ADMIN = { alpha: testKeyId('alpha/admin'), beta: testKeyId('beta/admin') };
const BOSS = testKeyId('alpha/boss');
const PO = testKeyId('alpha/po');
const DR = testKeyId('alpha/dr');

function writeBytes(r: RunResult): number {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return r.writes.reduce((n, w) => n + w.namespace.length + w.key.length + (w.value === undefined ? 0 : canonicalJson(w.value).length), 0);
}

/** Orgs alpha and beta; alpha members boss (org-admin), po (privacy-officer), dr (practitioner); patient pt. */
function world() {
  const state = new MemoryState();
  const org = (orgId: 'alpha' | 'beta') => ({
    orgId, name: orgId, adminKeys: [ADMIN[orgId]], nodeKeys: [testKeyId(`${orgId}/node`)], hpkePublicKey: HPKE, endpoint: `https://${orgId}.example`,
  });
  writeBytes(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha'), org('beta')] }, { state, signer: ADMIN.alpha }));
  const id = (action: string, args: unknown, signer: string, txId?: string) =>
    runAction(identityContract, action, args, { state, signer, ...(txId === undefined ? {} : { txId: txIdOf(txId) }) });
  writeBytes(id('register-member', { memberId: 'boss', roles: ['org-admin'], keys: [BOSS] }, ADMIN.alpha));
  writeBytes(id('register-member', { memberId: 'po', roles: ['privacy-officer'], keys: [PO] }, ADMIN.alpha));
  writeBytes(id('register-member', { memberId: 'dr', roles: ['practitioner'], keys: [DR] }, ADMIN.alpha));
  writeBytes(id('register-patient', { keys: [testKeyId('pt')] }, DR, 'pt'));
  return { state, id, pt: pseudonymForTx(txIdOf('pt')) };
}

/** Runs `n` transactions made by `make(i)` and returns the write bytes of each. */
function sizes(n: number, make: (i: number) => RunResult): number[] {
  return Array.from({ length: n }, (_, i) => writeBytes(make(i)));
}

/** Flat: under the budget, and the last transaction writes no more than the first plus the longer ids' digits. */
function assertFlat(bytes: number[], slack: number): void {
  assert.ok(Math.max(...bytes) <= WRITE_BUDGET, `max ${Math.max(...bytes)} > ${WRITE_BUDGET}`);
  assert.ok(bytes.at(-1)! <= bytes[0]! + slack, `first ${bytes[0]} last ${bytes.at(-1)}`);
}

test('the Nth register-member into one org writes what the first did (no member index value)', () => {
  const { id } = world();
  const bytes = sizes(1500, (i) => id('register-member', { memberId: `m${i}`, roles: ['practitioner'], keys: [testKeyId(`alpha/m${i}`)] }, ADMIN.alpha));
  // Member ids grow from 2 to 5 characters (in the key, the record and the key
  // record) and heights by 3 digits (`since` in the record and the key record).
  assertFlat(bytes, 3 * 3 + 2 * 3);
});

test("the Nth delegate of one patient and the Nth appointment of one org write what the first did", () => {
  const { id, pt } = world();
  const own = sizes(300, (i) => id('add-delegate', { pseudonym: pt, relationship: 'proxy', keys: [testKeyId(`proxy${i}`)] }, testKeyId('pt'), `own${i}`));
  assertFlat(own, 8); // heights grow by a digit or two (the record and key record hold `since`)
  const proposal = (i: number) => ({
    pseudonym: pt, relationship: 'guardian', keys: [testKeyId(`guardian${i}`)], legalBasis: 'court-appointed-guardian', reference: 'Order 2026/123',
  });
  const appointed = sizes(300, (i) => id('propose-delegate', proposal(i), BOSS, `appt${i}`));
  assertFlat(appointed, 8);
});

test('property: any mix of identity transactions stays under the write budget', () => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant('member' as const), org: fc.constantFrom('alpha' as const, 'beta' as const), keys: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('patient' as const), keys: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('delegate' as const), keys: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('appointment' as const) }),
  );
  fc.assert(
    fc.property(fc.array(action, { minLength: 1, maxLength: 120 }), (actions) => {
      const { id, pt } = world();
      actions.forEach((a, i) => {
        const keys = (n: number) => Array.from({ length: n }, (_, k) => testKeyId(`k${i}/${k}`));
        let r: RunResult;
        if (a.kind === 'member') r = id('register-member', { memberId: `m${i}`, roles: ['practitioner', 'pharmacist'], keys: keys(a.keys) }, ADMIN[a.org]);
        else if (a.kind === 'patient') r = id('register-patient', { keys: keys(a.keys) }, DR, `p${i}`);
        else if (a.kind === 'delegate') r = id('add-delegate', { pseudonym: pt, relationship: 'proxy', keys: keys(a.keys) }, testKeyId('pt'), `d${i}`);
        else r = id('propose-delegate', { pseudonym: pt, relationship: 'guardian', keys: keys(1), legalBasis: 'court-appointed-guardian', reference: 'Order 2026/123' }, BOSS, `a${i}`);
        assert.ok(writeBytes(r) <= WRITE_BUDGET);
      });
    }),
    { numRuns: 40 },
  );
});
