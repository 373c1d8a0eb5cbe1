// Acceptance scenario of issue 13 on a real node over HTTP: a sponsor
// registers a trial (protocol v1, analysis plan, endpoints); a site enrols
// three participants under per-trial pseudonyms with their signed consent
// to v1; visit data is captured (CRF data in the vault, commitments on the
// ledger) and signed Part 11 style; v2 requires re-consent and capture for a
// participant without it is refused; a withdrawn participant's capture is
// refused; lock; results that swap the primary endpoint are flagged; a
// dataset with one altered value fails verification naming that row; the
// audit trail export is re-verified by an independent reader; pseudonyms are
// unlinkable across trials; a planted marker and the patients' ledger
// pseudonyms appear nowhere on the ledger.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRIAL_CONSENT_DOMAIN, consentStatement, withdrawalStatement } from '../../src/contracts/trials/index.js';
import { generateSigningKey, signCanonical, toBase64Url, type SigningKey } from '../../src/crypto/index.js';
import { filesUnder, findLeaks, startRecordsNode, type Json, type Member, type Patient, type RecordsNode } from '../records/fixture.js';
import { signedReadHeader } from '../independent/verifier.js';
import { reverifyAudit, type FetchedTx } from './audit-reader.js';
import { runCli } from '../helpers/proc.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const ENDPOINTS = [
  { id: 'hba1c-26w', type: 'primary', title: 'Change in HbA1c from baseline', timeFrame: '26 weeks' },
  { id: 'weight-26w', type: 'secondary', title: 'Change in body weight', timeFrame: '26 weeks' },
];
const MARKER = `TRIALMARK-${randomBytes(12).toString('hex')}`;

let n: RecordsNode;
let sponsor: Member;
let pi: Member;
let outsider: Member;
let tPi: string;
let tOutsider: string;
const patients: Patient[] = [];
const consentKeys: SigningKey[] = [];
const tp: string[] = [];
let datasets: { clean: Json; altered: Json; row: number } | undefined;

const json = (method: string, path: string, token?: string, body?: unknown) =>
  n.client.request(method, path, { ...(token === undefined ? {} : { token }), ...(body === undefined ? {} : { body, contentType: 'application/json' }), headers: { accept: 'application/json' } });
const T = '/trials/v1/trials/TRIAL-1';
const attest = (key: SigningKey, statement: unknown) => ({ keyId: key.keyId, sig: toBase64Url(signCanonical(key, TRIAL_CONSENT_DOMAIN, statement)) });
const capture = (i: number, values: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  json('POST', `${T}/participants/${tp[i]}/entries`, tPi, { visit: 'baseline', form: 'vitals', values, reason: 'initial', ...extra });

before(async () => {
  n = await startRecordsNode();
  const c = n.client;
  sponsor = await c.registerMember(n.adminKey, ['sponsor'], 'sponsor-1');
  pi = await c.registerMember(n.adminKey, ['investigator', 'practitioner'], 'pi-1');
  outsider = await c.registerMember(n.adminKey, ['practitioner'], 'dr-out');
  tPi = await c.memberToken(pi.key);
  tOutsider = await c.memberToken(outsider.key);
  for (let i = 0; i < 3; i++) {
    patients.push(await c.registerPatient(pi.key));
    consentKeys.push(generateSigningKey());
  }
});

after(async () => {
  await n?.close();
});

describe('clinical trial scenario over HTTP', { timeout: 120_000 }, () => {
  it('registers, enrols with consent, captures, amends, refuses, locks, flags and verifies', async () => {
    const c = n.client;
    const registration = {
      trialId: 'TRIAL-1', registryId: 'NCT01234567', title: 'Drug X in type 2 diabetes', phase: 'phase-3', sites: [n.orgId],
      investigators: [{ orgId: n.orgId, memberId: pi.memberId }], protocolHash: sha('protocol v1'), sapHash: sha('sap v1'), endpoints: ENDPOINTS,
    };
    await c.tx(pi.key, 'trials', 'register', { ...registration, trialId: 'TRIAL-0' }, 'UNAUTHORIZED');
    await c.tx(sponsor.key, 'trials', 'register', registration);
    const reg = await json('GET', T, tOutsider);
    assert.equal(reg.status, 200, reg.text);
    assert.deepEqual([reg.body.trial.version, reg.body.protocol.length, reg.body.protocol[0].sapHash], [1, 1, sha('sap v1')]);

    // Enrolment: a participant under its per-trial pseudonym; enrolment before consent is refused.
    for (let i = 0; i < 3; i++) {
      const added = await json('POST', `${T}/participants`, tPi, { patient: patients[i]!.pseudonym, consentKeys: [{ keyId: consentKeys[i]!.keyId, role: 'participant' }] });
      assert.equal(added.status, 200, added.text);
      assert.match(added.body.participant, /^tp-[0-9a-f]{32}$/);
      tp.push(added.body.participant);
      if (i === 0) {
        const early = await json('POST', `${T}/participants/${tp[0]}/enrolment`, tPi);
        assert.deepEqual([early.status, early.body.error.code], [422, 'RULE_VIOLATION']);
      }
      const consent = await json('POST', `${T}/participants/${tp[i]}/consents`, undefined, { version: 1, attestation: attest(consentKeys[i]!, consentStatement(n.networkId, 'TRIAL-1', tp[i]!, 1)) });
      assert.equal(consent.status, 200, consent.text);
      const enrolled = await json('POST', `${T}/participants/${tp[i]}/enrolment`, tPi);
      assert.equal(enrolled.status, 200, enrolled.text);
    }
    // A forged consent (another key) is refused before it costs a transaction.
    const forged = await json('POST', `${T}/participants/${tp[0]}/consents`, undefined, { version: 1, attestation: attest(generateSigningKey(), consentStatement(n.networkId, 'TRIAL-1', tp[0]!, 1)) });
    assert.deepEqual([forged.status, forged.body.error.code], [403, 'UNAUTHORIZED']);

    // Visit data, a correction with its reason, a Part 11 signature.
    for (let i = 0; i < 3; i++) {
      const r = await capture(i, { sbp: 130 + i, weight: 80.5 + i, comment: `${MARKER} participant ${i}` });
      assert.deepEqual([r.status, r.body.version], [200, 1], r.text);
    }
    const fix = await capture(0, { sbp: 128, weight: 80.5, comment: `${MARKER} corrected` }, { reason: 'transcription-error', note: `typo ${MARKER}` });
    assert.deepEqual([fix.status, fix.body.version], [200, 2], fix.text);
    await c.tx(pi.key, 'trials', 'sign-entry', { trialId: 'TRIAL-1', participant: tp[0], visit: 'baseline', form: 'vitals', version: 2, commitment: fix.body.commitment, meaning: 'authored' });
    const read = await json('GET', `${T}/participants/${tp[0]}/entries/baseline/vitals`, tPi);
    assert.deepEqual([read.status, read.body.version, read.body.values.sbp, read.body.reason], [200, 2, 128, 'transcription-error']);
    const v1 = await json('GET', `${T}/participants/${tp[0]}/entries/baseline/vitals?version=1`, tPi);
    assert.equal(v1.body.values.sbp, 130);
    // FHIR views: the study (public to any authenticated caller), the subject and its consent (site only).
    const study = await json('GET', `${T}/fhir`, tOutsider);
    assert.deepEqual([study.body.resourceType, study.body.status, study.body.identifier[1].value], ['ResearchStudy', 'active', 'NCT01234567']);
    const subject = await json('GET', `${T}/participants/${tp[0]}/fhir`, tPi);
    assert.deepEqual(subject.body.entry.map((e: Json) => [e.resource.resourceType, e.resource.status]), [['ResearchSubject', 'on-study'], ['Consent', 'active']]);
    assert.equal(subject.body.entry[1].resource.policy[0].uri, 'urn:careledger:trial-protocol:TRIAL-1/v1');
    assert.equal((await json('GET', `${T}/participants/${tp[0]}/fhir`, tOutsider)).status, 404);
    // Someone not entitled learns nothing, not even that the participant exists.
    const peek = await json('GET', `${T}/participants/${tp[0]}/entries/baseline/vitals`, tOutsider);
    const ghost = await json('GET', `${T}/participants/tp-${'0'.repeat(32)}/entries/baseline/vitals`, tOutsider);
    assert.deepEqual([peek.status, peek.body], [ghost.status, ghost.body]);
    assert.equal(peek.status, 404);

    // Amendment v2 requiring re-consent; an amendment by the investigator is refused (and stays on the ledger).
    const amend = { trialId: 'TRIAL-1', version: 2, protocolHash: sha('protocol v2'), sapHash: sha('sap v2'), endpoints: ENDPOINTS, reason: 'Added a safety visit', ethicsRef: 'REC 26/0042 AM01', reconsentRequired: true };
    await c.tx(pi.key, 'trials', 'amend', amend, 'UNAUTHORIZED');
    await c.tx(sponsor.key, 'trials', 'amend', amend);
    const reconsent = await json('POST', `${T}/participants/${tp[0]}/consents`, undefined, { version: 2, attestation: attest(consentKeys[0]!, consentStatement(n.networkId, 'TRIAL-1', tp[0]!, 2)) });
    assert.equal(reconsent.status, 200, reconsent.text);
    assert.equal((await capture(0, { sbp: 126 }, { visit: 'week-4' })).status, 200);
    const noConsent = await capture(1, { sbp: 140 }, { visit: 'week-4' });
    assert.deepEqual([noConsent.status, noConsent.body.error.code], [422, 'RULE_VIOLATION']);

    // Participant 3 withdraws (its own signed statement); later capture is refused.
    const out = await json('POST', `${T}/participants/${tp[2]}/withdrawal`, undefined, { attestation: attest(consentKeys[2]!, withdrawalStatement(n.networkId, 'TRIAL-1', tp[2]!)) });
    assert.equal(out.status, 200, out.text);
    const afterWithdrawal = await capture(2, { sbp: 150 }, { visit: 'week-4' });
    assert.deepEqual([afterWithdrawal.status, afterWithdrawal.body.error.code], [422, 'RULE_VIOLATION']);

    // Lock: capture refused; results swapping the primary endpoint are flagged.
    await c.tx(sponsor.key, 'trials', 'lock', { trialId: 'TRIAL-1' });
    const locked = await capture(0, { sbp: 120 }, { visit: 'week-8' });
    assert.deepEqual([locked.status, locked.body.error.code], [422, 'RULE_VIOLATION']);
    const swapped = [{ ...ENDPOINTS[0], type: 'secondary' }, { ...ENDPOINTS[1], type: 'primary' }];
    await c.tx(sponsor.key, 'trials', 'declare-results', { trialId: 'TRIAL-1', resultsHash: sha('results'), endpoints: swapped });
    const report = await json('GET', `${T}/report`, await c.memberToken(sponsor.key));
    assert.equal(report.status, 200, report.text);
    assert.deepEqual(report.body.outcome.versusRegistration.map((d: Json) => [d.kind, d.id]), [['primary-demoted', 'hba1c-26w'], ['secondary-promoted', 'weight-26w']]);
    assert.deepEqual(report.body.violations.map((v: Json) => [v.action, v.code]), [
      ['enrol', 'RULE_VIOLATION'],
      ['amend', 'UNAUTHORIZED'],
      ['anchor-crf', 'RULE_VIOLATION'],
      ['anchor-crf', 'RULE_VIOLATION'],
      ['anchor-crf', 'RULE_VIOLATION'],
    ]);
    assert.equal((await json('GET', `${T}/report`, tOutsider)).status, 403);

    // Dataset: exported, verified; one altered value fails naming that row.
    const dataset = await json('GET', `${T}/dataset`, tPi);
    assert.equal(dataset.status, 200, dataset.text);
    assert.equal(dataset.body.rows.length, 4); // 3 baseline (participant 1 at version 2) + participant 1 week-4
    const clean = await json('POST', `${T}/dataset/verify`, tPi, dataset.body);
    assert.deepEqual([clean.status, clean.body.ok, clean.body.matched], [200, true, 4], clean.text);
    const altered = structuredClone(dataset.body);
    const row = altered.rows.findIndex((r: Json) => r.participant === tp[1] && r.visit === 'baseline');
    altered.rows[row].values.sbp = 99;
    const bad = await json('POST', `${T}/dataset/verify`, tPi, altered);
    assert.equal(bad.body.ok, false);
    assert.deepEqual(bad.body.tampered, [{ row, participant: tp[1], visit: 'baseline', form: 'vitals', version: 1 }]);
    assert.deepEqual([bad.body.extra, bad.body.missing, bad.body.stale, bad.body.matched], [[], [], [], 3]);
    datasets = { clean: dataset.body, altered, row };
  });

  it('the audit trail export is re-verified by an independent reader against the ledger', async () => {
    const audit = await json('GET', `${T}/audit`, tPi);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.body.entries.length, 5);
    const nodeInfo = await json('GET', '/ledger/v1/node');
    const fetchTx = async (txId: string): Promise<FetchedTx | undefined> => {
      const path = `/ledger/v1/transactions/${txId}`;
      const r = await n.client.request('GET', path, { headers: { accept: 'application/json', authorization: signedReadHeader(n.adminKey.privateKey, n.networkId, 'GET', path) } });
      return r.status === 200 ? (r.body as FetchedTx) : undefined;
    };
    assert.deepEqual(await reverifyAudit(audit.body, fetchTx, nodeInfo.body.nodeKeyId), []);
    // The reader is not a rubber stamp: an export with one altered commitment fails.
    const forged = structuredClone(audit.body);
    forged.entries[0].anchor.commitment = toBase64Url(new Uint8Array(32));
    const problems = await reverifyAudit(forged, fetchTx, nodeInfo.body.nodeKeyId);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /differs from its anchor/);
    const text = await n.client.request('GET', `${T}/audit?format=text`, { token: tPi, headers: { accept: 'text/plain' } });
    assert.match(text.text, /FLAGGED: 2 difference\(s\) from the pre-registered endpoints/);
    assert.equal(text.text.split('\n').filter((l) => l.includes('FLAGGED: ') && l.includes('refused')).length, 5);
    assert.equal((await json('GET', `${T}/audit`, tOutsider)).status, 403);
    // `careledger trials verify-dataset` against the (re-verified) audit export, offline.
    assert.ok(datasets);
    const files = { audit: join(n.tmp, 'audit.json'), clean: join(n.tmp, 'clean.json'), altered: join(n.tmp, 'altered.json') };
    writeFileSync(files.audit, JSON.stringify(audit.body));
    writeFileSync(files.clean, JSON.stringify(datasets.clean));
    writeFileSync(files.altered, JSON.stringify(datasets.altered));
    const ok = await runCli(['trials', 'verify-dataset', files.clean, '--audit', files.audit]);
    assert.deepEqual([ok.code, ok.stdout], [0, 'OK: 4 rows, 4 match their anchors\n'], ok.stderr);
    const failed = await runCli(['trials', 'verify-dataset', files.altered, '--audit', files.audit]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.stdout, `FAILED: 4 rows, 3 match their anchors\ntampered: row ${datasets.row} (${tp[1]} baseline/vitals v1)\n`);
  });

  it('pseudonyms are unlinkable across trials without the site secret', async () => {
    const c = n.client;
    await c.tx(sponsor.key, 'trials', 'register', {
      trialId: 'TRIAL-2', registryId: 'NCT07654321', title: 'Drug Y', phase: 'phase-2', sites: [n.orgId],
      investigators: [{ orgId: n.orgId, memberId: pi.memberId }], protocolHash: sha('p'), sapHash: sha('s'), endpoints: ENDPOINTS,
    });
    const again = await json('POST', '/trials/v1/trials/TRIAL-2/participants', tPi, { patient: patients[0]!.pseudonym, consentKeys: [{ keyId: generateSigningKey().keyId, role: 'participant' }] });
    assert.equal(again.status, 200, again.text);
    const other: string = again.body.participant;
    assert.notEqual(other, tp[0]);
    // Nothing in either participant's ledger record points to the other or to the patient.
    const audit1 = JSON.stringify((await json('GET', `${T}/audit`, tPi)).body);
    const audit2 = JSON.stringify((await json('GET', '/trials/v1/trials/TRIAL-2/audit', tPi)).body);
    assert.ok(!audit1.includes(other) && !audit2.includes(tp[0]!));
    // The site secret is what links them: the site recomputes the same pseudonyms from the patient.
    const trials = await import('../../src/trials/index.js');
    const vaultSecret = n.records.vault.get('trials.site-secret', 1).plaintext;
    assert.equal(trials.trialPseudonym(vaultSecret, 'TRIAL-2', patients[0]!.pseudonym), other);
    assert.equal(trials.trialPseudonym(vaultSecret, 'TRIAL-1', patients[0]!.pseudonym), tp[0]);
    assert.notEqual(trials.trialPseudonym(new Uint8Array(32), 'TRIAL-1', patients[0]!.pseudonym), tp[0]);
  });

  it('no marker, name or ledger pseudonym of a participant is on the ledger', async () => {
    // Every trials transaction and all trials state (the audit exports) name no patient's ledger pseudonym.
    const seen: string[] = [];
    for (const trial of ['TRIAL-1', 'TRIAL-2']) {
      const audit = (await json('GET', `/trials/v1/trials/${trial}/audit`, tPi)).body;
      seen.push(JSON.stringify(audit));
      for (const t of audit.transactions as Json[]) {
        const path = `/ledger/v1/transactions/${t.txId}`;
        const r = await n.client.request('GET', path, { headers: { accept: 'application/json', authorization: signedReadHeader(n.adminKey.privateKey, n.networkId, 'GET', path) } });
        seen.push(JSON.stringify(r.body.envelope));
      }
    }
    assert.ok(seen.length > 20);
    for (const text of seen) {
      for (const p of patients) assert.ok(!text.includes(p.pseudonym.slice(3)), 'a ledger pseudonym appears in trials data');
      assert.ok(!text.includes(MARKER));
    }
    // At rest: the marker (entered as CRF free text and a change note) is in no file, vault included (sealed).
    await n.stop();
    const files = filesUnder(n.dataDir);
    assert.ok(files.length > 3);
    assert.deepEqual(findLeaks(files, [MARKER]), []);
  });
});
