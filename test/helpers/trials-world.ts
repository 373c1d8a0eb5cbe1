// Test world of the trials contract's unit and property tests: a network of
// a sponsor (pharma) and two sites (alpha, beta) built with the real
// governance and identity contracts, members with their roles, and helpers
// that run trials actions and return the result code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryState, TEST_NETWORK, runAction, testKeyId, type RunResult } from './contracts.js';
import { governanceContract } from '../../src/contracts/governance/index.js';
import { identityContract } from '../../src/contracts/identity/index.js';
import { sha256, signCanonical, signingKeyFromSeed, toBase64Url, utf8, type SigningKey } from '../../src/crypto/index.js';
import { TRIAL_CONSENT_DOMAIN, consentStatement, trialsContract, withdrawalStatement } from '../../src/contracts/trials/index.js';

export const HASH = (label: string): string => createHash('sha256').update(label).digest('hex');
export const COMMIT = (label: string): string => createHash('sha256').update('commit/' + label).digest('base64url');
export const tp = (label: string): string => 'tp-' + createHash('sha256').update(label).digest('hex').slice(0, 32);

export const K = {
  pharmaAdmin: testKeyId('pharma/admin'),
  alphaAdmin: testKeyId('alpha/admin'),
  betaAdmin: testKeyId('beta/admin'),
  pharmaNode: testKeyId('pharma/node'),
  alphaNode: testKeyId('alpha/node'),
  betaNode: testKeyId('beta/node'),
  sponsor: testKeyId('pharma/sponsor'),
  monitor: testKeyId('pharma/monitor'),
  pi: testKeyId('alpha/pi'),
  inv: testKeyId('alpha/inv'),
  nurse: testKeyId('alpha/nurse'),
  betaPi: testKeyId('beta/pi'),
  otherSponsor: testKeyId('beta/sponsor'),
  patient: testKeyId('patient'),
} as const;

export const ENDPOINTS = [
  { id: 'hba1c-26w', type: 'primary' as const, title: 'Change in HbA1c from baseline', timeFrame: '26 weeks' },
  { id: 'weight-26w', type: 'secondary' as const, title: 'Change in body weight', timeFrame: '26 weeks' },
];

export const code = (r: RunResult): string => r.refusal?.code ?? 'OK';

export function ok(r: RunResult): RunResult {
  assert.equal(r.refusal, undefined, JSON.stringify(r.refusal));
  return r;
}

/** Runs a trials action; the state is shared by the world. */
export function trials(state: MemoryState, action: string, args: unknown, signer: string, extra: { height?: number; blockTime?: string } = {}): RunResult {
  return runAction(trialsContract, action, args, { state, signer, ...extra });
}

/** Orgs pharma (sponsor), alpha and beta (sites) with their members. */
export function network(): MemoryState {
  const state = new MemoryState();
  const org = (o: string) => ({
    orgId: o,
    name: o,
    adminKeys: [testKeyId(`${o}/admin`)],
    nodeKeys: [testKeyId(`${o}/node`)],
    hpkePublicKey: Buffer.alloc(32, 7).toString('base64url'),
    endpoint: `https://${o}.example`,
  });
  ok(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('pharma'), org('alpha'), org('beta')] }, { state, signer: K.pharmaAdmin }));
  const member = (admin: string, memberId: string, roles: string[], key: string, display?: string) =>
    ok(runAction(identityContract, 'register-member', { memberId, roles, keys: [key], ...(display === undefined ? {} : { display }) }, { state, signer: admin }));
  member(K.pharmaAdmin, 'sponsor', ['sponsor'], K.sponsor, 'Dr Sam Sponsor');
  member(K.pharmaAdmin, 'monitor', ['sponsor'], K.monitor);
  member(K.alphaAdmin, 'pi', ['investigator', 'practitioner'], K.pi, 'Dr Ada Investigator');
  member(K.alphaAdmin, 'inv', ['investigator'], K.inv);
  member(K.alphaAdmin, 'nurse', ['practitioner'], K.nurse);
  member(K.betaAdmin, 'pi', ['investigator'], K.betaPi);
  member(K.betaAdmin, 'sponsor', ['sponsor'], K.otherSponsor);
  ok(runAction(identityContract, 'register-patient', { keys: [K.patient] }, { state, signer: K.nurse }));
  return state;
}

export const registration = (trialId = 'TRIAL-1') => ({
  trialId,
  registryId: 'NCT01234567',
  title: 'A randomised trial of drug X in type 2 diabetes',
  phase: 'phase-3',
  sites: ['alpha', 'beta'],
  investigators: [
    { orgId: 'alpha', memberId: 'pi' },
    { orgId: 'beta', memberId: 'pi' },
  ],
  protocolHash: HASH('protocol v1'),
  sapHash: HASH('sap v1'),
  endpoints: ENDPOINTS,
});

export const amendment = (version: number, reconsentRequired: boolean, trialId = 'TRIAL-1') => ({
  trialId,
  version,
  protocolHash: HASH(`protocol v${version}`),
  sapHash: HASH(`sap v${version}`),
  endpoints: ENDPOINTS,
  reason: 'Additional safety visit at week 4',
  ethicsRef: 'REC 24/LO/0001 AM02',
  reconsentRequired,
});

const seeded = new Map<string, SigningKey>();
/** A real signing key for a label (consent statements are verified by the contract). */
export function seededKey(label: string): SigningKey {
  let key = seeded.get(label);
  if (key === undefined) seeded.set(label, (key = signingKeyFromSeed(sha256(utf8('careledger.test-trial-key\n' + label)))));
  return key;
}
/** The participant's and its representative's trial-only consent keys (not registry keys). */
export const consentKeyOf = (p: string): string => seededKey(`consent/${p}`).keyId;
export const larKeyOf = (p: string): string => seededKey(`lar/${p}`).keyId;

/** consent args with the statement signed by `key` (the participant's consent key by default). */
export function consentOf(p: string, version: number, key: SigningKey = seededKey(`consent/${p}`), network = TEST_NETWORK) {
  const sig = toBase64Url(signCanonical(key, TRIAL_CONSENT_DOMAIN, consentStatement(network, 'TRIAL-1', p, version)));
  return { trialId: 'TRIAL-1', participant: p, version, attestation: { keyId: key.keyId, sig } };
}

/** withdraw args with the participant's signed withdrawal. */
export function withdrawalOf(p: string, key: SigningKey = seededKey(`consent/${p}`)) {
  const sig = toBase64Url(signCanonical(key, TRIAL_CONSENT_DOMAIN, withdrawalStatement(TEST_NETWORK, 'TRIAL-1', p)));
  return { trialId: 'TRIAL-1', participant: p, attestation: { keyId: key.keyId, sig } };
}

/** Adds a participant at `site`, consents to the current version and enrols. */
export function enrolled(state: MemoryState, p: string, site: 'alpha' | 'beta' = 'alpha', version = 1): void {
  const node = site === 'alpha' ? K.alphaNode : K.betaNode;
  ok(trials(state, 'add-participant', { trialId: 'TRIAL-1', participant: p, consentKeys: [{ keyId: consentKeyOf(p), role: 'participant' }, { keyId: larKeyOf(p), role: 'representative' }] }, node));
  ok(trials(state, 'consent', consentOf(p, version), node));
  ok(trials(state, 'enrol', { trialId: 'TRIAL-1', participant: p }, node));
}

export const entry = (p: string, version = 1, extra: Record<string, unknown> = {}) => ({
  trialId: 'TRIAL-1',
  participant: p,
  visit: 'week-4',
  form: 'vitals',
  version,
  commitment: COMMIT(`${p}/${version}`),
  reason: version === 1 ? 'initial' : 'correction',
  author: 'inv',
  ...extra,
});
