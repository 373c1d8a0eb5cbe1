// Unit tests of the trials contract through the in-memory harness, on a
// network built with the real governance and identity contracts: every rule
// with its exact result code, and the exact records written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_BLOCK_TIME } from '../../../test/helpers/contracts.js';
import {
  compareEndpoints,
  getCrfHead,
  getCrfVersion,
  getParticipant,
  getProtocol,
  getTrial,
  isPrincipalInvestigator,
  isTrialSite,
  getTrialConsent,
  outcomeReport,
  signatureKey,
} from './index.js';
import { COMMIT, ENDPOINTS, HASH, K, amendment, code, consentKeyOf, consentOf, enrolled, entry, larKeyOf, network, ok, registration, seededKey, tp, trials, withdrawalOf } from '../../../test/helpers/trials-world.js';
import type { MemoryState } from '../../../test/helpers/contracts.js';

function registered(): MemoryState {
  const state = network();
  ok(trials(state, 'register', registration(), K.sponsor, { height: 7 }));
  return state;
}

test('register writes the trial and protocol v1; only an active sponsor member may register', () => {
  const state = network();
  assert.equal(code(trials(state, 'register', registration(), K.pi)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'register', registration(), K.pharmaAdmin)), 'UNAUTHORIZED'); // an org key is not a person
  assert.equal(code(trials(state, 'register', registration(), K.pharmaNode)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'register', { ...registration(), sites: ['alpha', 'nowhere'] }, K.sponsor)), 'NOT_FOUND');
  assert.equal(code(trials(state, 'register', { ...registration(), investigators: [{ orgId: 'pharma', memberId: 'sponsor' }] }, K.sponsor)), 'RULE_VIOLATION');
  assert.equal(code(trials(state, 'register', { ...registration(), investigators: [{ orgId: 'alpha', memberId: 'nurse' }] }, K.sponsor)), 'RULE_VIOLATION');
  const r = ok(trials(state, 'register', registration(), K.sponsor, { height: 7 }));
  assert.deepEqual(r.events, [{ contract: 'trials', type: 'registered', data: { trialId: 'TRIAL-1', version: 1 } }]);
  assert.deepEqual(getTrial(state, 'TRIAL-1'), {
    trialId: 'TRIAL-1',
    registryId: 'NCT01234567',
    title: 'A randomised trial of drug X in type 2 diabetes',
    phase: 'phase-3',
    sponsor: 'pharma',
    version: 1,
    consentVersion: 1,
    status: 'open',
    registeredAt: TEST_BLOCK_TIME,
    registeredHeight: 7,
  });
  // Sites and principal investigators are one entry each, under the trial's prefixes.
  assert.deepEqual(
    state.list('trials').filter(([key]) => key.startsWith('site/') || key.startsWith('pi/')),
    [
      ['pi/TRIAL-1/alpha/pi', { orgId: 'alpha', memberId: 'pi' }],
      ['pi/TRIAL-1/beta/pi', { orgId: 'beta', memberId: 'pi' }],
      ['site/TRIAL-1/alpha', { trialId: 'TRIAL-1', orgId: 'alpha', since: TEST_BLOCK_TIME }],
      ['site/TRIAL-1/beta', { trialId: 'TRIAL-1', orgId: 'beta', since: TEST_BLOCK_TIME }],
    ],
  );
  assert.deepEqual([isTrialSite(state, 'TRIAL-1', 'beta'), isTrialSite(state, 'TRIAL-1', 'pharma')], [true, false]);
  assert.deepEqual([isPrincipalInvestigator(state, 'TRIAL-1', { orgId: 'alpha', memberId: 'pi' }), isPrincipalInvestigator(state, 'TRIAL-1', { orgId: 'alpha', memberId: 'inv' })], [true, false]);
  const v1 = getProtocol(state, 'TRIAL-1', 1);
  assert.deepEqual([v1?.protocolHash, v1?.sapHash, v1?.endpoints, v1?.reconsentRequired, v1?.signer], [HASH('protocol v1'), HASH('sap v1'), ENDPOINTS, true, K.sponsor]);
  assert.equal(code(trials(state, 'register', registration(), K.sponsor)), 'ALREADY_EXISTS');
});

test('register args are schema-checked (INVALID_ARGS)', () => {
  const state = network();
  const bad = (patch: Record<string, unknown>) => code(trials(state, 'register', { ...registration(), ...patch }, K.sponsor));
  assert.equal(bad({ trialId: 'a/b' }), 'INVALID_ARGS');
  assert.equal(bad({ protocolHash: 'ABC' }), 'INVALID_ARGS');
  assert.equal(bad({ sapHash: HASH('x').toUpperCase() }), 'INVALID_ARGS');
  assert.equal(bad({ endpoints: [{ ...ENDPOINTS[1] }] }), 'INVALID_ARGS'); // no primary
  assert.equal(bad({ endpoints: [ENDPOINTS[0], ENDPOINTS[0]] }), 'INVALID_ARGS');
  assert.equal(bad({ sites: ['alpha', 'alpha'] }), 'INVALID_ARGS');
  assert.equal(bad({ title: 'line\nbreak' }), 'INVALID_ARGS');
  assert.equal(bad({ phase: 'phase-5' }), 'INVALID_ARGS');
  assert.equal(bad({ extra: 1 }), 'INVALID_ARGS');
});

test('amendments: sponsor only, next version only, re-consent raises the consent version', () => {
  const state = registered();
  assert.equal(code(trials(state, 'amend', amendment(2, true), K.pi)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'amend', amendment(2, true), K.otherSponsor)), 'UNAUTHORIZED'); // a sponsor, not this trial's
  assert.equal(code(trials(state, 'amend', amendment(2, true), K.alphaNode)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'amend', amendment(3, true), K.sponsor)), 'CONFLICT');
  assert.equal(code(trials(state, 'amend', amendment(2, true, 'TRIAL-X'), K.sponsor)), 'NOT_FOUND');
  assert.equal(code(trials(state, 'amend', { ...amendment(2, true), ethicsRef: undefined }, K.sponsor)), 'INVALID_ARGS');
  ok(trials(state, 'amend', amendment(2, false), K.monitor)); // any sponsor member of the sponsoring org
  assert.deepEqual([getTrial(state, 'TRIAL-1')?.version, getTrial(state, 'TRIAL-1')?.consentVersion], [2, 1]);
  ok(trials(state, 'amend', amendment(3, true), K.sponsor));
  assert.deepEqual([getTrial(state, 'TRIAL-1')?.version, getTrial(state, 'TRIAL-1')?.consentVersion], [3, 3]);
  const v3 = getProtocol(state, 'TRIAL-1', 3);
  assert.deepEqual([v3?.reason, v3?.ethicsRef, v3?.reconsentRequired], ['Additional safety visit at week 4', 'REC 24/LO/0001 AM02', true]);
  ok(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor));
  assert.equal(code(trials(state, 'amend', amendment(4, false), K.sponsor)), 'CONFLICT');
});

test('participants: site node adds with trial-only keys; enrolment before consent is refused', () => {
  const state = registered();
  const p = tp('p1');
  const add = (args: Record<string, unknown>, signer: string) =>
    code(trials(state, 'add-participant', { trialId: 'TRIAL-1', participant: p, consentKeys: [{ keyId: consentKeyOf(p), role: 'participant' }], ...args }, signer));
  assert.equal(add({}, K.pharmaNode), 'UNAUTHORIZED'); // not a site
  assert.equal(add({}, K.inv), 'UNAUTHORIZED'); // a person, not the site's node (it holds the site secret)
  assert.equal(add({ consentKeys: [{ keyId: K.patient, role: 'participant' }] }, K.alphaNode), 'RULE_VIOLATION'); // a ledger key would link identities
  assert.equal(add({ participant: 'pt-' + 'a'.repeat(32) }, K.alphaNode), 'INVALID_ARGS');
  assert.equal(add({ trialId: 'TRIAL-X' }, K.alphaNode), 'NOT_FOUND');
  const r = ok(trials(state, 'add-participant', { trialId: 'TRIAL-1', participant: p, consentKeys: [{ keyId: consentKeyOf(p), role: 'participant' }, { keyId: larKeyOf(p), role: 'representative' }] }, K.alphaNode));
  assert.deepEqual(r.events, [{ contract: 'trials', type: 'participant-added', data: { trialId: 'TRIAL-1', site: 'alpha' } }]);
  assert.equal(add({}, K.alphaNode), 'ALREADY_EXISTS');
  assert.equal(add({ participant: tp('p2') }, K.betaNode), 'ALREADY_EXISTS'); // the consent key is already in use
  assert.equal(code(trials(state, 'enrol', { trialId: 'TRIAL-1', participant: p }, K.alphaNode)), 'RULE_VIOLATION'); // before consent
  assert.equal(code(trials(state, 'enrol', { trialId: 'TRIAL-1', participant: p }, K.betaNode)), 'UNAUTHORIZED'); // another site
  const consent = (args: unknown, signer: string = K.alphaNode) => code(trials(state, 'consent', args, signer));
  assert.equal(consent(consentOf(p, 1), K.betaNode), 'UNAUTHORIZED'); // not the participant's site
  assert.equal(consent(consentOf(p, 1), K.inv), 'UNAUTHORIZED'); // the site's node carries consents
  assert.equal(consent(consentOf(p, 1, seededKey('stranger'))), 'UNAUTHORIZED'); // not one of its keys
  assert.equal(consent(consentOf(p, 1, seededKey(`consent/${p}`), 'other-net')), 'UNAUTHORIZED'); // signed for another network
  assert.equal(consent({ ...consentOf(p, 1), version: 2 }), 'UNAUTHORIZED'); // signature over version 1 only
  assert.equal(consent({ ...consentOf(p, 1), participant: tp('nobody') }), 'NOT_FOUND');
  assert.equal(consent(consentOf(p, 2)), 'CONFLICT'); // not the current version
  assert.equal(consent({ ...consentOf(p, 1), attestation: { keyId: consentKeyOf(p), sig: 'AAAA' } }), 'INVALID_ARGS');
  const consented = ok(trials(state, 'consent', consentOf(p, 1, seededKey(`lar/${p}`)), K.alphaNode));
  assert.deepEqual(getTrialConsent(state, 'TRIAL-1', p, 1), {
    version: 1, keyId: larKeyOf(p), sig: consentOf(p, 1, seededKey(`lar/${p}`)).attestation.sig, signedAs: 'representative', at: TEST_BLOCK_TIME, txId: getTrialConsent(state, 'TRIAL-1', p, 1)?.txId,
  });
  assert.deepEqual(consented.events, [{ contract: 'trials', type: 'consented', data: { trialId: 'TRIAL-1', version: 1 } }]);
  assert.equal(consent(consentOf(p, 1)), 'ALREADY_EXISTS');
  ok(trials(state, 'enrol', { trialId: 'TRIAL-1', participant: p }, K.alphaNode));
  assert.equal(getParticipant(state, 'TRIAL-1', p)?.status, 'enrolled');
  assert.equal(code(trials(state, 'enrol', { trialId: 'TRIAL-1', participant: p }, K.alphaNode)), 'ALREADY_EXISTS');
});

test('capture: consent to the required version, no capture after withdrawal or lock, versions chain', () => {
  const state = registered();
  const [p1, p2, p3] = [tp('p1'), tp('p2'), tp('p3')];
  enrolled(state, p1);
  enrolled(state, p2);
  enrolled(state, p3, 'beta');
  ok(trials(state, 'anchor-crf', entry(p1), K.alphaNode));
  assert.deepEqual(getCrfVersion(state, 'TRIAL-1', p1, 'week-4', 'vitals', 1)?.author, { orgId: 'alpha', memberId: 'inv' });
  assert.equal(code(trials(state, 'anchor-crf', entry(p1), K.alphaNode)), 'CONFLICT'); // version 1 again
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 3), K.alphaNode)), 'CONFLICT');
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 2, { reason: 'initial' }), K.alphaNode)), 'INVALID_ARGS');
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 2), K.betaNode)), 'UNAUTHORIZED'); // not the participant's site
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 2, { author: 'nurse' }), K.alphaNode)), 'UNAUTHORIZED'); // author not an investigator
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 2), K.pi)), 'UNAUTHORIZED'); // anchors come from the site node
  ok(trials(state, 'anchor-crf', entry(p1, 2), K.alphaNode));
  assert.equal(getCrfHead(state, 'TRIAL-1', p1, 'week-4', 'vitals')?.latest, 2);
  ok(trials(state, 'anchor-crf', entry(p3, 1, { author: 'pi' }), K.betaNode));
  // Amendment v2 requiring re-consent: p2 has not re-consented.
  ok(trials(state, 'amend', amendment(2, true), K.sponsor));
  ok(trials(state, 'consent', consentOf(p1, 2), K.alphaNode));
  ok(trials(state, 'anchor-crf', entry(p1, 3), K.alphaNode));
  assert.equal(code(trials(state, 'anchor-crf', entry(p2), K.alphaNode)), 'RULE_VIOLATION');
  // Withdrawal by the participant: no capture after it, withdrawal is final.
  assert.equal(code(trials(state, 'withdraw', withdrawalOf(p3, seededKey('stranger')), K.betaNode)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'withdraw', withdrawalOf(p3), K.alphaNode)), 'UNAUTHORIZED'); // not its site
  ok(trials(state, 'withdraw', withdrawalOf(p3), K.betaNode));
  assert.deepEqual([getParticipant(state, 'TRIAL-1', p3)?.status, getParticipant(state, 'TRIAL-1', p3)?.withdrawnBy], ['withdrawn', 'participant']);
  assert.equal(code(trials(state, 'anchor-crf', entry(p3, 2, { author: 'pi' }), K.betaNode)), 'RULE_VIOLATION');
  assert.equal(code(trials(state, 'withdraw', { trialId: 'TRIAL-1', participant: p3 }, K.betaNode)), 'CONFLICT');
  assert.equal(code(trials(state, 'consent', consentOf(p3, 2), K.betaNode)), 'RULE_VIOLATION');
  assert.equal(code(trials(state, 'withdraw', { trialId: 'TRIAL-1', participant: p2 }, K.betaNode)), 'UNAUTHORIZED');
  assert.equal(code(trials(state, 'withdraw', withdrawalOf(p2, seededKey(`consent/${p1}`)), K.alphaNode)), 'UNAUTHORIZED'); // another participant's key
  // Lock: capture refused; only the sponsor locks, once.
  assert.equal(code(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.pi)), 'UNAUTHORIZED');
  ok(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor));
  assert.equal(code(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor)), 'CONFLICT');
  assert.equal(code(trials(state, 'anchor-crf', entry(p1, 4), K.alphaNode)), 'RULE_VIOLATION');
  assert.equal(code(trials(state, 'add-participant', { trialId: 'TRIAL-1', participant: tp('late'), consentKeys: [{ keyId: consentKeyOf('late'), role: 'participant' }] }, K.alphaNode)), 'RULE_VIOLATION');
  ok(trials(state, 'withdraw', { trialId: 'TRIAL-1', participant: p2 }, K.alphaNode)); // withdrawal stays possible
  assert.equal(getParticipant(state, 'TRIAL-1', p2)?.withdrawnBy, 'site');
});

test('Part 11 signatures: meaning, printed name, bound to the latest commitment', () => {
  const state = registered();
  const p = tp('p1');
  enrolled(state, p);
  ok(trials(state, 'anchor-crf', entry(p), K.alphaNode));
  const sign = (meaning: string, signer: string, extra: Record<string, unknown> = {}) =>
    trials(state, 'sign-entry', { trialId: 'TRIAL-1', participant: p, visit: 'week-4', form: 'vitals', version: 1, commitment: COMMIT(`${p}/1`), meaning, ...extra }, signer);
  const r = ok(sign('authored', K.pi));
  assert.deepEqual(r.events, [{ contract: 'trials', type: 'signed', data: { trialId: 'TRIAL-1', meaning: 'authored', orgId: 'alpha' } }]);
  const sig = state.get('trials', signatureKey('TRIAL-1', p, 'week-4', 'vitals', 1, 'authored', { orgId: 'alpha', memberId: 'pi' })) as Record<string, unknown>;
  assert.deepEqual([sig['printedName'], sig['meaning'], sig['keyId'], sig['at'], sig['commitment']], ['Dr Ada Investigator', 'authored', K.pi, TEST_BLOCK_TIME, COMMIT(`${p}/1`)]);
  assert.equal(code(sign('authored', K.pi)), 'ALREADY_EXISTS');
  assert.equal(code(sign('reviewed', K.nurse)), 'UNAUTHORIZED'); // not an investigator
  assert.equal(code(sign('authored', K.betaPi)), 'UNAUTHORIZED'); // another site
  assert.equal(code(sign('authored', K.monitor)), 'UNAUTHORIZED');
  ok(sign('reviewed', K.monitor)); // the sponsor's monitor reviews
  assert.equal(code(sign('approved', K.inv)), 'UNAUTHORIZED'); // not a named principal investigator
  assert.equal(code(sign('approved', K.pi, { commitment: COMMIT('other') })), 'CONFLICT');
  assert.equal(code(sign('approved', K.pi, { version: 2 })), 'NOT_FOUND');
  assert.equal(code(sign('approved', K.alphaNode)), 'UNAUTHORIZED'); // a node is not a person
  assert.equal(code(sign('signed-off', K.pi)), 'INVALID_ARGS');
  ok(trials(state, 'anchor-crf', entry(p, 2), K.alphaNode));
  assert.equal(code(sign('approved', K.pi)), 'CONFLICT'); // superseded by version 2
  ok(sign('approved', K.pi, { version: 2, commitment: COMMIT(`${p}/2`) }));
  ok(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor));
  assert.equal(code(sign('reviewed', K.inv, { version: 2, commitment: COMMIT(`${p}/2`) })), 'RULE_VIOLATION');
});

test('results after lock by the sponsor; the report flags a swapped primary endpoint', () => {
  const state = registered();
  const swapped = [
    { ...ENDPOINTS[0], type: 'secondary' as const },
    { ...ENDPOINTS[1], type: 'primary' as const },
  ];
  const results = { trialId: 'TRIAL-1', resultsHash: HASH('results'), endpoints: swapped };
  assert.equal(code(trials(state, 'declare-results', results, K.sponsor)), 'CONFLICT'); // before lock
  ok(trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor));
  assert.equal(code(trials(state, 'declare-results', results, K.pi)), 'UNAUTHORIZED');
  ok(trials(state, 'declare-results', results, K.sponsor));
  assert.equal(code(trials(state, 'declare-results', results, K.sponsor)), 'ALREADY_EXISTS');
  const scan = (ns: string, prefix: string) => state.list(ns).filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value }));
  const report = outcomeReport(state, scan, 'TRIAL-1');
  assert.deepEqual(report?.versusRegistration.map((d) => [d.kind, d.id]), [
    ['primary-demoted', 'hba1c-26w'],
    ['secondary-promoted', 'weight-26w'],
  ]);
  assert.deepEqual(report?.amendments, []);
});

test('compareEndpoints names every kind of switch', () => {
  const [primary, secondary] = ENDPOINTS as [typeof ENDPOINTS[0], typeof ENDPOINTS[1]];
  assert.deepEqual(compareEndpoints(ENDPOINTS, ENDPOINTS), []);
  assert.deepEqual(compareEndpoints(ENDPOINTS, [secondary]).map((d) => d.kind), ['primary-omitted']);
  assert.deepEqual(compareEndpoints(ENDPOINTS, [primary]).map((d) => d.kind), ['secondary-omitted']);
  const added = { id: 'new', type: 'primary' as const, title: 'Time to event', timeFrame: '52 weeks' };
  assert.deepEqual(compareEndpoints(ENDPOINTS, [...ENDPOINTS, added]).map((d) => d.kind), ['added-as-primary']);
  assert.deepEqual(compareEndpoints(ENDPOINTS, [...ENDPOINTS, { ...added, type: 'secondary' }]).map((d) => d.kind), ['added-as-secondary']);
  const changed = compareEndpoints(ENDPOINTS, [{ ...primary, timeFrame: '52 weeks' }, secondary]);
  assert.deepEqual(changed.map((d) => [d.kind, d.kind === 'definition-changed' ? d.fields : []]), [['definition-changed', ['timeFrame']]]);
});
