// A seeded generator of Synthea-like patient bundles (no downloaded data): a
// FHIR R4 transaction with the shared resources a Synthea run references
// (Organization, Location, Practitioner, PractitionerRole, Medication) and one
// patient's record over the types Synthea writes. Shared resources are POSTed
// with their identifiers; clinical entries reference them conditionally
// (`Organization?identifier=...`), as Synthea does, and the patient and
// encounters through urn:uuid fullUrls.
import type { Json } from '../records/fixture.js';

/** mulberry32: a small seeded PRNG (public domain), so the bundle is the same for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SYNTHEA = 'https://github.com/synthetichealth/synthea';
export const NPI = 'http://hl7.org/fhir/sid/us-npi';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

export const CLINICAL_TYPES = [
  'Encounter', 'Condition', 'Observation', 'MedicationRequest', 'Immunization', 'Procedure', 'DiagnosticReport',
  'DocumentReference', 'CarePlan', 'CareTeam', 'Claim', 'ExplanationOfBenefit', 'Device', 'AllergyIntolerance',
  'ImagingStudy', 'Goal', 'SupplyDelivery',
] as const;
export const SHARED_TYPES = ['Organization', 'Location', 'Practitioner', 'PractitionerRole', 'Medication'] as const;

export interface Generated {
  bundle: Json;
  /** Conditional reference -> fullUrl of the entry it names. */
  conditional: Map<string, string>;
}

/** A transaction bundle of at least `minEntries` entries for one patient. */
export function syntheaLikeBundle(seed: number, minEntries = 2000): Generated {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const day = (i: number) => new Date(Date.UTC(2010, 0, 1) + i * 86_400_000 * 3).toISOString().slice(0, 10);
  const entries: Json[] = [];
  const conditional = new Map<string, string>();
  const add = (resource: Json, fullUrl = `urn:uuid:${uuid()}`): string => {
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  };
  const shared = (resource: Json, system: string, value: string): string => {
    const url = add({ ...resource, identifier: [{ system, value }] });
    conditional.set(`${resource.resourceType}?identifier=${system}|${value}`, url);
    return `${resource.resourceType}?identifier=${system}|${value}`;
  };
  const orgs = [0, 1].map((i) => shared({ resourceType: 'Organization', active: true, name: `Clinic ${i} ${hex(4)}` }, SYNTHEA, uuid()));
  const locs = orgs.map((org, i) => shared({ resourceType: 'Location', status: 'active', name: `Site ${i}`, managingOrganization: { reference: org } }, SYNTHEA, uuid()));
  const prac = [0, 1, 2].map((i) => shared({ resourceType: 'Practitioner', active: true, name: [{ family: `Doc${i}${hex(3)}`, given: ['Ann'], prefix: ['Dr.'] }] }, NPI, String(9_999_000_000 + Math.floor(rnd() * 999_999))));
  prac.forEach((p, i) => add({ resourceType: 'PractitionerRole', practitioner: { reference: p }, organization: { reference: orgs[i % 2] }, code: [{ text: 'General Practice' }] }));
  const meds = [0, 1, 2].map((i) => add({ resourceType: 'Medication', status: 'active', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: String(310_000 + i), display: `Drug ${i}` }] } }));

  const patient = add({
    resourceType: 'Patient',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: `999-${Math.floor(rnd() * 90) + 10}-${Math.floor(rnd() * 9000) + 1000}` }, { system: SYNTHEA, value: uuid() }],
    name: [{ use: 'official', family: `Fam${hex(4)}`, given: [`Giv${hex(3)}`] }],
    gender: pick(['female', 'male']),
    birthDate: '1970-0' + (1 + Math.floor(rnd() * 9)) + '-1' + Math.floor(rnd() * 9),
    address: [{ city: 'Springfield', state: 'KS', country: 'US' }],
  });
  const subject = { reference: patient };
  let i = 0;
  while (entries.length + 1 < minEntries) {
    i += 1;
    const date = day(i);
    const enc = add({
      resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: SNOMED, code: '185349003' }] }], subject, period: { start: `${date}T09:00:00Z`, end: `${date}T09:30:00Z` },
      participant: [{ individual: { reference: pick(prac) } }], location: [{ location: { reference: pick(locs) } }], serviceProvider: { reference: pick(orgs) },
    });
    const encounter = { reference: enc };
    const obs = add({
      resourceType: 'Observation', status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: LOINC, code: pick(['8867-4', '8480-6', '29463-7']) }] }, subject, encounter,
      effectiveDateTime: `${date}T09:10:00Z`, valueQuantity: { value: Math.round(rnd() * 1000) / 10, unit: '1', system: 'http://unitsofmeasure.org', code: '1' },
    });
    add({ resourceType: 'DiagnosticReport', status: 'final', code: { coding: [{ system: LOINC, code: '51990-0' }] }, subject, encounter, effectiveDateTime: `${date}T09:10:00Z`, issued: `${date}T09:20:00.000Z`, result: [{ reference: obs }] });
    add({
      resourceType: 'Claim', status: 'active', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] }, use: 'claim',
      patient: subject, created: `${date}T09:30:00Z`, provider: { reference: pick(orgs) }, priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
      insurance: [{ sequence: 1, focal: true, coverage: { display: 'Payer' } }], item: [{ sequence: 1, productOrService: { coding: [{ system: SNOMED, code: '185349003' }] }, encounter: [encounter] }],
    });
    add({
      resourceType: 'ExplanationOfBenefit', status: 'active', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] }, use: 'claim',
      patient: subject, created: `${date}T09:30:00Z`, insurer: { display: 'Payer' }, provider: { reference: pick(prac) }, outcome: 'complete',
      insurance: [{ focal: true, coverage: { display: 'Payer' } }],
    });
    switch (i % 12) {
      case 0: add({ resourceType: 'Condition', clinicalStatus: { coding: [{ system: CLINICAL, code: pick(['active', 'resolved']) }] }, verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed' }] }, category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }], code: { coding: [{ system: SNOMED, code: pick(['44054006', '38341003', '195662009']) }] }, subject, encounter, onsetDateTime: `${date}T09:00:00Z` }); break;
      case 1: add({ resourceType: 'MedicationRequest', status: pick(['active', 'stopped']), intent: 'order', medicationReference: { reference: pick(meds) }, subject, encounter, authoredOn: `${date}T09:15:00Z`, requester: { reference: pick(prac) } }); break;
      case 2: add({ resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] }, patient: subject, encounter, occurrenceDateTime: `${date}T09:05:00Z`, primarySource: true, location: { reference: pick(locs) } }); break;
      case 3: add({ resourceType: 'Procedure', status: 'completed', code: { coding: [{ system: SNOMED, code: '430193006' }] }, subject, encounter, performedPeriod: { start: `${date}T09:00:00Z`, end: `${date}T09:20:00Z` } }); break;
      case 4: add({ resourceType: 'DocumentReference', status: 'current', type: { coding: [{ system: LOINC, code: '34117-2' }] }, subject, date: `${date}T09:30:00Z`, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`note ${i}`).toString('base64') } }], context: { encounter: [encounter] } }); break;
      case 5: add({ resourceType: 'CarePlan', status: 'active', intent: 'order', category: [{ coding: [{ system: SNOMED, code: '734163000' }] }], subject, encounter, period: { start: date } }); break;
      case 6: add({ resourceType: 'CareTeam', status: 'active', subject, encounter, participant: [{ member: { reference: pick(prac) } }], managingOrganization: [{ reference: pick(orgs) }] }); break;
      case 7: add({ resourceType: 'Device', status: 'active', type: { coding: [{ system: SNOMED, code: '72506001' }] }, patient: subject, distinctIdentifier: hex(10) }); break;
      case 8: add({ resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] }, type: 'allergy', category: ['food'], criticality: 'low', code: { coding: [{ system: SNOMED, code: '91935009' }] }, patient: subject, recordedDate: `${date}T09:00:00Z` }); break;
      case 9: add({ resourceType: 'ImagingStudy', status: 'available', subject, encounter, started: `${date}T09:00:00Z`, series: [{ uid: `1.2.840.${i}.1`, modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'DX' }, instance: [{ uid: `1.2.840.${i}.1.1`, sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.1.1' } }] }] }); break;
      case 10: add({ resourceType: 'Goal', lifecycleStatus: pick(['active', 'completed']), description: { text: `goal ${i}` }, subject }); break;
      default: add({ resourceType: 'SupplyDelivery', status: 'completed', patient: subject, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supply-item-type', code: 'device' }] }, suppliedItem: { quantity: { value: 1 }, itemCodeableConcept: { coding: [{ system: SNOMED, code: '337388004' }] } }, occurrenceDateTime: `${date}T09:00:00Z` }); break;
    }
  }
  add({ resourceType: 'Provenance', target: [subject], recorded: `${day(i)}T10:00:00.000Z`, agent: [{ who: { reference: pick(prac) }, onBehalfOf: { reference: pick(orgs) } }] });
  return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, conditional };
}
