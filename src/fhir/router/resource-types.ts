// The resource types the FHIR endpoint serves. Clinical types that carry a
// subject/patient plus the directory types they reference.
export const SUPPORTED_RESOURCE_TYPES: readonly string[] = [
  'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Consent', 'DiagnosticReport', 'DocumentReference',
  'Encounter', 'Goal', 'Immunization', 'MedicationAdministration', 'MedicationRequest', 'MedicationStatement',
  'Observation', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Procedure', 'QuestionnaireResponse',
  'ServiceRequest', 'Specimen',
];

export const SUPPORTED_TYPE_SET: ReadonlySet<string> = new Set(SUPPORTED_RESOURCE_TYPES);
