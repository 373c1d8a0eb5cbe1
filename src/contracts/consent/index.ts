// Public face of the consent contract: the contract, the pure decision, the
// FHIR Consent translators, the schemas and the state layout.
export { consentContract, CONSENT_CONTRACT, MAX_ACTIVE_GRANTS, authorizePatientSigner } from './contract.js';
export { decide, decideMany, prepareDecision, patientGrants, DecisionMemo, evaluateProvision, restrictedLabelsOf } from './decide.js';
export type { AccessRequest, ConsentQuery, ResourceFacts, Decision, DecisionReason, Decider, PatientGrants } from './decide.js';
export { consentFromFhir } from './fhir-in.js';
export { consentToFhir } from './fhir-out.js';
export { FHIR_SYSTEMS, granteeReference, granteeFromReference } from './fhir-codes.js';
export {
  CONSENT_ACTIONS,
  PURPOSES_OF_USE,
  CONFIDENTIALITY_CODES,
  SENSITIVITY_CODES,
  RESTRICTED_CONFIDENTIALITY,
  RESTRICTED_LABELS,
  SECURITY_LABELS,
  MAX_PROVISION_DEPTH,
  MAX_PROVISION_NODES,
  consentGrantSchema,
  provisionSchema,
  granteeSchema,
  revokeArgsSchema,
  grantFhirArgsSchema,
  normalizeInstant,
} from './schema.js';
export type { ConsentAction, PurposeOfUse, SecurityLabel, Provision, Grantee, ConsentGrant, RevokeArgs } from './schema.js';
export {
  CONSENT_NAMESPACE,
  CONSENT_ID_DOMAIN,
  consentIdForTx,
  grantKey,
  indexKey,
  readGrant,
  readIndex,
} from './state.js';
export type { ConsentRecord } from './state.js';
