// Public face of the trials service (issue 13): HTTP-free use cases of a
// site's node, dataset files and their verification, the audit trail export.
export { TrialsService } from './service.js';
export type { TrialsLedger, TrialsServiceDeps, CaptureInput, Committed } from './service.js';
export type { TrialsActor } from './access.js';
export { trialPseudonym, TRIAL_PSEUDONYM_DOMAIN, SITE_SECRET_BYTES } from './pseudonym.js';
export { CRF_FORMAT, CRF_RESOURCE_TYPE, crfValuesSchema, crfPlaintext, crfBytes, crfRecordId } from './crf.js';
export type { CrfContent, CrfEntry, CrfValues } from './crf.js';
export { DATASET_FORMAT, datasetSchema, datasetRowSchema, verifyDatasetRows, entryOfRow } from './dataset.js';
export type { Dataset, DatasetRow, DatasetVerdict, RowRef } from './dataset.js';
export { AUDIT_FORMAT, auditTrailOf, renderAuditReport } from './audit.js';
export type { AuditTrail } from './audit.js';
export { trialTransactions, violationAttempts } from './ledger-log.js';
export type { TrialTx } from './ledger-log.js';
export { researchStudyOf, researchSubjectOf, trialConsentOf, TRIAL_SYSTEM, PARTICIPANT_SYSTEM, PROTOCOL_SYSTEM } from './fhir.js';
