// Patient/$summary: the International Patient Summary (IPS, HL7 FHIR IPS
// 1.1, "Patient summary Document", LOINC 60591-5) as a FHIR document Bundle:
// a Composition with the IPS sections (problems, medications and allergies
// are required: empty ones carry an emptyReason), the Patient and the
// resources the sections reference. Built from the patient's $everything as
// the caller, so it holds exactly what the caller may read (and is audited
// as such); 404 when the caller may not read the Patient.
import { randomUUID } from 'node:crypto';
import { contextFor, type RouterEnv } from './env.js';
import { fhirResponse, type FhirHttpResponse } from './http.js';
import { fail } from './outcome.js';
import type { FhirResource } from '../types.js';

const LOINC = 'http://loinc.org';
const EMPTY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable', display: 'Unavailable' }] };

/** IPS sections: title, LOINC code, the types they gather, and whether IPS requires the section. */
const SECTIONS: ReadonlyArray<{ title: string; code: string; types: readonly string[]; required: boolean }> = [
  { title: 'Active Problems', code: '11450-4', types: ['Condition'], required: true },
  { title: 'Medication', code: '10160-0', types: ['MedicationRequest', 'MedicationStatement'], required: true },
  { title: 'Allergies and Intolerances', code: '48765-2', types: ['AllergyIntolerance'], required: true },
  { title: 'Immunizations', code: '11369-6', types: ['Immunization'], required: false },
  { title: 'Results', code: '30954-2', types: ['Observation', 'DiagnosticReport'], required: false },
  { title: 'History of Procedures', code: '47519-4', types: ['Procedure'], required: false },
  { title: 'Medical Devices', code: '46264-8', types: ['Device'], required: false },
];
const MAX_RESOURCES = 1000;

export async function summaryInteraction(env: RouterEnv, patientId: string): Promise<FhirHttpResponse> {
  const types = [...new Set(['Patient', ...SECTIONS.flatMap((s) => s.types)])];
  const result = await env.repo.everything(contextFor(env, 'everything'), patientId, { types, count: MAX_RESOURCES, offset: 0 });
  const patient = result.resources.find((r) => r.resourceType === 'Patient' && r.id === patientId);
  if (patient === undefined) fail('NOT_FOUND', `Patient/${patientId} not found`, { expression: 'id' });
  const now = new Date().toISOString();
  const ref = (r: FhirResource): string => `${r.resourceType}/${r.id ?? ''}`;
  const included: FhirResource[] = [];
  const section = SECTIONS.flatMap(({ title, code, types: sectionTypes, required }): Array<Record<string, unknown>> => {
    const members = result.resources.filter((r) => sectionTypes.includes(r.resourceType));
    included.push(...members);
    const base = { title, code: { coding: [{ system: LOINC, code }] } };
    if (members.length > 0) {
      return [{ ...base, text: narrative(`${members.length} ${title.toLowerCase()} entries`), entry: members.map((r) => ({ reference: ref(r) })) }];
    }
    return required ? [{ ...base, text: narrative(`No ${title.toLowerCase()} information available`), emptyReason: EMPTY }] : [];
  });
  const composition: FhirResource = {
    resourceType: 'Composition',
    id: randomUUID(),
    status: 'final',
    type: { coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] },
    subject: { reference: `Patient/${patientId}` },
    date: now,
    author: [{ display: 'CareLedger' }],
    title: 'International Patient Summary',
    section,
  };
  const entries = [composition, patient, ...included].map((r) => ({ fullUrl: `${env.base}/${ref(r)}`, resource: r }));
  return fhirResponse(200, {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'document',
    timestamp: now,
    entry: entries,
  });
}

function narrative(text: string): { status: 'generated'; div: string } {
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${text.replace(/[<>&]/g, '')}</div>` };
}
