// FHIR systems and the reference conventions shared by the Consent
// translators (fhir-in.ts, fhir-out.ts). Reference conventions:
//   patient          Patient/<pseudonym>
//   organisation     Organization/<orgId>
//   practitioner     PractitionerRole/<orgId>.<memberId>   (split at the FIRST '.',
//                    so an orgId in this form must not contain '.'; a member
//                    acts for one organisation, which PractitionerRole models)
//   grantee role     provision.actor.role from v3-ParticipationType: IRCP or PRCP
import type { Grantee } from './schema.js';

export const FHIR_SYSTEMS = {
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  resourceTypes: 'http://hl7.org/fhir/resource-types',
  loinc: 'http://loinc.org',
} as const;

/** Actor roles that name the recipient of the consented information. */
export const RECIPIENT_ROLES: readonly string[] = ['IRCP', 'PRCP'];
/** LOINC 59284-0 "Patient Consent", the usual Consent.category. */
export const PATIENT_CONSENT_LOINC = '59284-0';

export function granteeReference(g: Grantee): string {
  return g.kind === 'organization' ? `Organization/${g.orgId}` : `PractitionerRole/${g.orgId}.${g.memberId}`;
}

/** Parses a grantee reference; undefined if it follows neither convention. */
export function granteeFromReference(ref: string): Grantee | undefined {
  const org = /^Organization\/([^/]+)$/.exec(ref);
  if (org?.[1] !== undefined) return { kind: 'organization', orgId: org[1] };
  const role = /^PractitionerRole\/([^/.]+)\.([^/]+)$/.exec(ref);
  if (role?.[1] !== undefined && role[2] !== undefined) return { kind: 'practitioner', orgId: role[1], memberId: role[2] };
  return undefined;
}
