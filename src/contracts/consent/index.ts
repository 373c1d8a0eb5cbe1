// Public face of the consent contract: the contract, the pure decision, the
// sealed bodies and the custodian's ConsentBook, the FHIR Consent
// translators, the schemas and the state layout.
export { consentContract, CONSENT_CONTRACT, MAX_ACTIVE_GRANTS, authorizePatientSigner } from './contract.js';
export { decide, decideMany, prepareDecision, patientGrants, DecisionMemo, evaluateProvision, restrictedLabelsOf } from './decide.js';
export type { AccessRequest, ConsentQuery, ResourceFacts, Decision, DecisionReason, Decider, PatientGrants, GrantOpener } from './decide.js';
export { ConsentBook } from './book.js';
export type { ConsentBookOptions, ConsentView } from './book.js';
export {
  sealConsentGrant,
  sealConsentGrantFrom,
  sealConsentBody,
  openSealedGrant,
  consentCommitment,
  consentSealInfo,
  sealedGrantArgsSchema,
  CONSENT_SEAL_INFO,
  CONSENT_COMMITMENT_DOMAIN,
  MAX_SEALED_CT,
} from './sealed.js';
export type { SealedGrantArgs, SealedBody, ConsentGrantInput } from './sealed.js';
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
  normalizeInstant,
} from './schema.js';
export type { ConsentAction, PurposeOfUse, SecurityLabel, Provision, Grantee, ConsentGrant, RevokeArgs } from './schema.js';
export {
  CONSENT_NAMESPACE,
  CONSENT_ID_DOMAIN,
  consentIdForTx,
  grantKey,
  indexKey,
  readSealedGrant,
  readIndex,
  custodianOf,
  orgHpkePublicKey,
} from './state.js';
export type { ConsentRecord, SealedConsentRecord } from './state.js';
export { CONSENT_ID_PATTERN, grantPrefix } from './keys.js';
export { consentsOfPatient, activeConsentIds } from './queries.js';
