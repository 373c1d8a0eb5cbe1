// Public face of the HTTP layer.
export { buildServer } from './server.js';
export { FHIR_BASE_PATH, FHIR_BODY_LIMIT } from './fhir-routes.js';
export { fhirPathPattern } from './request-log.js';
export type { Server, ServerOptions } from './server.js';
export { errorBody, sendError } from './errors.js';
export { MAX_SUBMIT_ENVELOPES } from './ledger-routes.js';
export { parseInput, pathParam } from './input.js';
