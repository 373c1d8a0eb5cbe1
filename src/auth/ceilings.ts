// The most a principal may be granted, as SMART scopes. A token's scopes are
// the intersection of what the client asked for and this ceiling; consent
// (consent.decide) still rules every read, scopes are only the outer bound.
// Members act in user/ or system/ context with per-role resource ceilings;
// patients and delegates only ever get patient/ scopes.
import type { SmartScope } from '../fhir/types.js';
import { normaliseScopes, parseScopes } from './scopes.js';

/**
 * Per role, the resource scopes (without context) a member holding it may
 * get, in both user/ and system/ context. A role missing here grants nothing.
 */
export const ROLE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  practitioner: ['*.cruds'],
  'privacy-officer': ['Consent.cruds', 'AuditEvent.rs', 'Provenance.rs', 'Patient.rs'],
  pharmacist: ['Medication.cruds', 'MedicationDispense.cruds', 'MedicationRequest.rs', 'MedicationStatement.rs', 'AllergyIntolerance.rs', 'Patient.rs'],
  manufacturer: ['Medication.cruds'],
  distributor: ['Medication.rs'],
  sponsor: ['ResearchStudy.cruds', 'ResearchSubject.rs'],
  investigator: ['ResearchStudy.rs', 'ResearchSubject.cruds', 'Consent.rs', 'Observation.rs', 'Patient.rs'],
  auditor: ['AuditEvent.rs', 'Provenance.rs'],
  // '*.d': records management deletes any resource, with a reason, audited (issue 9, finding 4); it reads none.
  'org-admin': ['Organization.cruds', 'Practitioner.cruds', 'PractitionerRole.cruds', 'Endpoint.cruds', 'Location.cruds', '*.d'],
};

/** Everything a patient (or a delegate acting for one) may get: read all of their record, manage their consents. */
export const PATIENT_CEILING = 'patient/*.rs patient/Consent.cruds';
/** What a patient sign-in gets when it asks for nothing in particular. */
export const PATIENT_DEFAULT_SCOPE = 'patient/*.rs';

/** The ceiling for a member with these roles: user/ and system/ scopes per ROLE_SCOPES. */
export function memberCeiling(roles: readonly string[]): SmartScope[] {
  const scopes = roles.flatMap((role) => (Object.hasOwn(ROLE_SCOPES, role) ? (ROLE_SCOPES[role] ?? []) : []));
  return normaliseScopes(parseScopes(scopes.flatMap((s) => [`user/${s}`, `system/${s}`]).join(' ')));
}

/** The ceiling for patients and delegates. */
export function patientCeiling(): SmartScope[] {
  return parseScopes(PATIENT_CEILING);
}

/**
 * The ceiling for a delegate: 'read' gives patient/*.rs, 'manage-consent'
 * gives patient/Consent.cruds; other powers are exercised by signing ledger
 * transactions, not with tokens.
 */
export function delegateCeiling(powers: readonly string[]): SmartScope[] {
  const scopes = [...(powers.includes('read') ? ['patient/*.rs'] : []), ...(powers.includes('manage-consent') ? ['patient/Consent.cruds'] : [])];
  return scopes.length === 0 ? [] : normaliseScopes(parseScopes(scopes.join(' ')));
}

/** Scopes advertised in smart-configuration (scopes_supported). */
export const SCOPES_SUPPORTED: readonly string[] = [
  'system/*.rs',
  'system/*.cruds',
  'user/*.rs',
  'user/*.cruds',
  'patient/*.rs',
  'patient/Consent.cruds',
];
