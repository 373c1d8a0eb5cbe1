// The HTTP-free FHIR R4 REST layer: fastify routes call handleFhirRequest.
export { handleFhirRequest } from './router.js';
export type { FhirHttpRequest, FhirHttpResponse } from './http.js';
export { FHIR_JSON } from './http.js';
export type { RouterOptions } from './env.js';
export { MemoryFhirRepository } from './memory-repository.js';
export type { MemoryRepositoryOptions } from './memory-repository.js';
export { buildCapabilityStatement, defaultTokenUrl } from './capability.js';
export type { CapabilityOptions } from './capability.js';
export { operationOutcome, informationOutcome, outcomeFromError, FhirOutcomeError } from './outcome.js';
export type { OperationOutcome, OutcomeIssue } from './outcome.js';
export { ensureFhirDefinitions, validateFhirResource } from './validate.js';
export { parseSearchQuery, formatSearchQuery, parseEverythingOptions } from './params.js';
export type { QueryParams } from './params.js';
export { SUPPORTED_RESOURCE_TYPES } from './resource-types.js';
export { MAX_JSON_DEPTH, checkJsonDepth, checkWellFormedStrings, decodeUtf8Body } from './json-guard.js';
export { MIN_REASON_CHARS, MIN_REASON_WORDS, MAX_REASON_CHARS, parseBreakGlassReason } from './break-glass-reason.js';
