// The node's side of the portal without a browser: `/` and `/assets/*` carry
// the CSP and security headers (the APIs do not), a missing asset is the
// API's 404, and the access explanation answers each consent decision for
// the calling member while an unknown, an erased and a consented-elsewhere
// patient answer exactly alike (no existence oracle). Also the enrolment
// code's known answer: its secret seeds the key the browser derives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consentIdForTx } from '../../src/contracts/consent/index.js';
import { PORTAL_CSP } from '../../src/api/portal-routes.js';
import { enrolmentCode, enrolmentKey, newEnrolmentSecret } from '../../src/cli/enrolment.js';
import { startRecordsNode, type Json, type Member, type Patient, type RecordsNode } from '../records/fixture.js';

let n: RecordsNode;
let drA: Member;
let drB: Member;
let nurse: Member;
let patient: Patient;
let other: Patient;
let erased: Patient;

before(async () => {
  n = await startRecordsNode();
  drA = await n.client.registerMember(n.adminKey, ['practitioner']);
  drB = await n.client.registerMember(n.adminKey, ['practitioner']);
  nurse = await n.client.registerMember(n.adminKey, ['practitioner']);
  patient = await n.client.registerPatient(drA.key);
  other = await n.client.registerPatient(drA.key);
  erased = await n.client.registerPatient(drA.key);
});
after(async () => n?.close());

describe('the portal at /', () => {
  it('serves index.html with the CSP and security headers, never cached', async () => {
    const res = await fetch(`${n.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), PORTAL_CSP);
    assert.match(PORTAL_CSP, /script-src 'self';/);
    assert.doesNotMatch(PORTAL_CSP, /unsafe|https?:/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    const script = /<script type="module" crossorigin src="(\/assets\/index-[A-Za-z0-9_-]+\.js)"><\/script>/.exec(html);
    assert.ok(script, html);
    const asset = await fetch(`${n.url}${script[1]}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('content-security-policy'), PORTAL_CSP);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  });

  it('a missing asset is a 404; the APIs keep their own headers', async () => {
    const missing = await fetch(`${n.url}/assets/nope.js`);
    assert.equal(missing.status, 404);
    const api = await fetch(`${n.url}/ledger/v1/node`);
    assert.equal(api.status, 200);
    assert.equal(api.headers.get('content-security-policy'), null);
    const unknown = await fetch(`${n.url}/nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(((await unknown.json()) as Json).error.code, 'NOT_FOUND');
  });
});

describe('GET /ledger/v1/patients/{p}/access-explanation', () => {
  const explain = async (token: string, p: string, query = '') => {
    const res = await n.client.request('GET', `/ledger/v1/patients/${p}/access-explanation${query}`, { token });
    return { status: res.status, body: res.body as Json };
  };

  it('names the permitting and the denying consent, and says when none permits', async () => {
    const permit = await n.client.tx(patient.key, 'consent', 'grant', {
      patient: patient.pseudonym,
      grantee: { kind: 'practitioner', orgId: n.orgId, memberId: drA.memberId },
      provision: { type: 'permit', actions: ['access'], purposes: ['TREAT'] },
    });
    const deny = await n.client.tx(patient.key, 'consent', 'grant', {
      patient: patient.pseudonym,
      grantee: { kind: 'practitioner', orgId: n.orgId, memberId: drB.memberId },
      provision: { type: 'deny', resourceTypes: ['Observation'] },
    });
    const tokenA = await n.client.memberToken(drA.key);
    const tokenB = await n.client.memberToken(drB.key);
    const a = await explain(tokenA, patient.pseudonym);
    assert.equal(a.status, 200);
    const permitId = consentIdForTx(permit.txId);
    assert.deepEqual(a.body, {
      decision: 'permit',
      reason: 'permitted',
      consentIds: [permitId],
      resourceType: 'Observation',
      purpose: 'TREAT',
      text: `Consent ${permitId} lets you read Observation resources of this patient for TREAT.`,
    });
    const research = await explain(tokenA, patient.pseudonym, '?purpose=HRESCH&resourceType=Condition');
    assert.equal(research.body.reason, 'no-consent');
    assert.equal(research.body.text, 'No active consent of this patient lets you read Condition resources for HRESCH: it was never granted, or it was revoked.');
    const b = await explain(tokenB, patient.pseudonym);
    const denyId = consentIdForTx(deny.txId);
    assert.deepEqual([b.body.decision, b.body.reason, b.body.consentIds], ['deny', 'denied-by-provision', [denyId]]);
    assert.equal(b.body.text, `Consent ${denyId} of this patient denies you Observation resources for TREAT: the patient's deny provision wins over any permit.`);
  });

  it('answers an unknown, an erased and an unconsented patient alike', async () => {
    await n.client.tx(erased.key, 'identity', 'erase-patient', { pseudonym: erased.pseudonym });
    const token = await n.client.memberToken(nurse.key);
    const answers = await Promise.all(
      [other.pseudonym, erased.pseudonym, patient.pseudonym, 'pt-' + '0'.repeat(32)].map(async (p) => {
        const r = await explain(token, p);
        return { status: r.status, body: r.body };
      }),
    );
    for (const a of answers) {
      assert.deepEqual(a, answers[0]);
    }
    assert.equal(answers[0]!.status, 200);
    assert.deepEqual([answers[0]!.body.decision, answers[0]!.body.reason, answers[0]!.body.consentIds], ['deny', 'no-consent', []]);
  });

  it('is for members with a token; bad parameters are 400', async () => {
    assert.equal((await explain('not-a-token', patient.pseudonym)).status, 401);
    const noAuth = await n.client.request('GET', `/ledger/v1/patients/${patient.pseudonym}/access-explanation`);
    assert.equal(noAuth.status, 401);
    const patientToken = await n.client.patientToken(patient);
    const asPatient = await explain(patientToken, patient.pseudonym);
    assert.deepEqual([asPatient.status, asPatient.body.error.code], [403, 'FORBIDDEN']);
    const token = await n.client.memberToken(drA.key);
    assert.equal((await explain(token, 'not-a-pseudonym')).status, 400);
    assert.equal((await explain(token, patient.pseudonym, '?purpose=FUN')).status, 400);
    assert.equal((await explain(token, patient.pseudonym, '?extra=1')).status, 400);
  });
});

describe('enrolment codes', () => {
  it('a known secret seeds a known key; codes read in groups of four', () => {
    const secret = newEnrolmentSecret(new Uint8Array(16).fill(0xff));
    assert.equal(secret, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    assert.equal(newEnrolmentSecret(new Uint8Array(16)), '0'.repeat(26));
    assert.match(newEnrolmentSecret(), /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(enrolmentCode('org1/dr-x', secret), 'org1/dr-x:7ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ');
    // seed = SHA-256("careledger.enrol/1\n" || secret) = d43e25ac...413d; the public key checked with openssl.
    assert.equal(enrolmentKey(secret).keyId, 'ed25519:eCH-4AbIiNvFlfzYSqdKg9GwKZkwUhXmLPvXleF6FXo');
    assert.notEqual(enrolmentKey(secret).keyId, enrolmentKey('0'.repeat(26)).keyId);
  });
});
