// FHIR R4 Consent translation: a realistic IHE Privacy Consent on FHIR style
// resource (permit with restrictions), refusals of what cannot be translated
// (missing patient first: R4's invariant does not enforce it), grant-fhir
// through the contract, and the to/from round trip as a property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCareLedgerError } from '../../errors/index.js';
import { consentFromFhir } from './fhir-in.js';
import { consentToFhir } from './fhir-out.js';
import { arbGrant } from '../../../test/helpers/consent-arbitraries.js';
import { KEYS, OTHER_PATIENT, PATIENT, T0, World, addHours } from '../../../test/helpers/consent-world.js';

/** IHE PCF style: basic opt-in for Dr Y's treatment reads, restricted for R, PSY and SUD data. */
function pcfConsent(): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    id: 'ex-consent-permit-restrict',
    meta: { profile: ['https://profiles.ihe.net/ITI/PCF/StructureDefinition/IHE.PCF.consent'] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Share with Dr Y for treatment, except restricted data</div>' },
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${PATIENT}` },
    dateTime: '2026-03-01',
    performer: [{ reference: `Patient/${PATIENT}` }],
    organization: [{ reference: 'Organization/hosp-a' }],
    policy: [{ uri: 'http://example.org/policies/basic-opt-in' }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    sourceAttachment: { contentType: 'application/pdf', title: 'signed consent form' },
    provision: {
      type: 'permit',
      period: { start: '2026-03-01', end: '2026-03-31' },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
          reference: { reference: 'PractitionerRole/hosp-a.dr-y', display: 'Dr Y' },
        },
      ],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
      class: [
        { system: 'http://hl7.org/fhir/resource-types', code: 'Observation' },
        { system: 'http://hl7.org/fhir/resource-types', code: 'DiagnosticReport' },
      ],
      provision: [
        {
          type: 'deny',
          securityLabel: [
            { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' },
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' },
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SUD' },
          ],
        },
      ],
    },
  };
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isCareLedgerError(e) && e.code === 'INVALID_ARGS') return e.field;
    throw e;
  }
  return undefined;
}

void test('an IHE PCF style Consent translates to a grant', () => {
  assert.deepEqual(consentFromFhir(pcfConsent()), {
    patient: PATIENT,
    grantee: { kind: 'practitioner', orgId: 'hosp-a', memberId: 'dr-y' },
    provision: {
      type: 'permit',
      actions: ['access'],
      resourceTypes: ['DiagnosticReport', 'Observation'],
      purposes: ['TREAT'],
      // A date-only end includes that whole day.
      period: { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
      provisions: [{ type: 'deny', securityLabels: ['PSY', 'R', 'SUD'] }],
    },
  });
});

void test('a sealed FHIR Consent body is opened through the translation and decide honours it', () => {
  const w = new World();
  const r = w.run('grant', { patient: PATIENT, consent: pcfConsent() }, { at: addHours(T0, 1) });
  assert.equal(r.refusal, undefined);
  const id = r.events[0]?.data['consentId'];
  assert.equal(typeof id, 'string');
  assert.equal(w.book.read(w.state, PATIENT, id as string)?.grantee.kind, 'practitioner');
  assert.equal(w.decide({ resourceType: 'DiagnosticReport' }, addHours(T0, 2)).decision, 'permit');
  assert.equal(w.decide({ securityLabels: ['N', 'PSY'] }, addHours(T0, 2)).reason, 'denied-by-provision');
  assert.equal(w.decide({ action: 'disclose' }, addHours(T0, 2)).decision, 'deny');
  assert.equal(w.decide({}, '2026-03-31T23:59:59.999Z').decision, 'permit');
  assert.equal(w.decide({}, '2026-04-01T00:00:00.000Z').reason, 'expired');
});

void test('a Consent without patient is refused with INVALID_ARGS', () => {
  const c = pcfConsent();
  delete c['patient'];
  assert.equal(fieldOf(() => consentFromFhir(c)), 'Consent.patient');
  const w = new World();
  assert.equal(w.check({ patient: PATIENT, consent: c }), 'INVALID_ARGS');
  assert.equal(w.check({ patient: OTHER_PATIENT, consent: pcfConsent() }), 'INVALID_ARGS');
});

void test('untranslatable Consents are refused, naming the FHIR path', () => {
  const cases: Array<[string, (c: Record<string, unknown>, p: Record<string, unknown>) => void]> = [
    ['Consent.status', (c) => (c['status'] = 'draft')],
    ['Consent.scope.coding[0].code', (c) => (c['scope'] = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] })],
    ['Consent.patient.reference', (c) => (c['patient'] = { reference: 'Group/1' })],
    ['Consent.provision.actor', (_c, p) => (p['actor'] = [])],
    ['Consent.provision.actor[0].reference', (_c, p) => ((p['actor'] as Array<Record<string, unknown>>)[0]!['reference'] = { reference: 'Practitioner/123' })],
    ['Consent.provision.dataPeriod', (_c, p) => (p['dataPeriod'] = { start: '2020-01-01' })],
    ['Consent.provision.action[0].coding[0].code', (_c, p) => (p['action'] = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'erase' }] }])],
    ['Consent.provision.purpose[0].code', (_c, p) => (p['purpose'] = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HMARKT' }])],
    ['Consent.provision.class[0].system', (_c, p) => (p['class'] = [{ system: 'http://example.org/classes', code: 'lab' }])],
    ['Consent.provision.period.end', (_c, p) => (p['period'] = { end: '2026-03' })],
    ['Consent.provision.modifierExtension', (_c, p) => (p['modifierExtension'] = [{ url: 'http://example.org/x', valueBoolean: true }])],
    ['Consent.provision.provision[0].actor', (_c, p) => ((p['provision'] as Array<Record<string, unknown>>)[0]!['actor'] = (p['actor'] as unknown[]).slice())],
    ['Consent.provision.provision[0].securityLabel[0].code', (_c, p) => ((p['provision'] as Array<Record<string, unknown>>)[0]!['securityLabel'] = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HTEST' }])],
  ];
  for (const [field, mutate] of cases) {
    const c = pcfConsent();
    mutate(c, c['provision'] as Record<string, unknown>);
    assert.equal(fieldOf(() => consentFromFhir(c)), field, field);
  }
  assert.equal(fieldOf(() => consentFromFhir({ resourceType: 'Patient' })), 'Consent.resourceType');
  assert.equal(fieldOf(() => consentFromFhir(null)), 'Consent.');
});

void test('policyRule OPTOUT stands in for a missing root type', () => {
  const c = pcfConsent();
  const p = c['provision'] as Record<string, unknown>;
  delete p['type'];
  c['policyRule'] = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] };
  assert.equal(consentFromFhir(c).provision.type, 'deny');
  delete c['policyRule'];
  assert.equal(fieldOf(() => consentFromFhir(c)), 'Consent.provision.type');
});

void test('a FHIR Consent grant: authority follows the args patient, the body must name the same patient', () => {
  const w = new World();
  assert.equal(w.run('grant', { patient: PATIENT, consent: pcfConsent() }, { signer: KEYS.otherPatient }).refusal?.code, 'UNAUTHORIZED');
  assert.equal(w.run('grant', { patient: PATIENT, consent: pcfConsent() }, { signer: KEYS.delegate }).refusal, undefined);
});

void test('property: consentFromFhir(consentToFhir(g)) returns g', () => {
  fc.assert(
    fc.property(arbGrant(PATIENT), (g) => {
      assert.deepEqual(consentFromFhir(consentToFhir(g)), g);
    }),
    { numRuns: 300 },
  );
});
