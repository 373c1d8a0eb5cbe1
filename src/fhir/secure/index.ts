// Public face of the secure FHIR repository: consent-checked, ledger-anchored,
// audited FHIR storage over the vault (ARCHITECTURE sections 1, 5 and 6).
export { SecureFhirRepository } from './repository.js';
export type { SecureRepositoryOptions, ErasureReport } from './repository.js';
export type { AccessEvent, OutboxOptions } from './outbox.js';
export { AccessLogStore, ACCESS_LOG_RETENTION_MS } from './access-log.js';
export type { StoredAccessEvent } from './access-log.js';
export { ownerOf, requiresPatient } from './compartment.js';
export { DisclosureReader, type DisclosureRecord, type DisclosureReaderOptions } from './disclosure.js';
