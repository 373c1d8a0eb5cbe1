// Public face of the access contract: the contract, its schemas, the access
// chain (hashing, blinded ids, verification), ids and the state layout (chain
// heads, break-glass marks, incidents) with point lookups.
export { accessContract, ACCESS_CONTRACT } from './contract.js';
export {
  INTERACTIONS,
  PURPOSES,
  BREAK_GLASS_PURPOSES,
  INCIDENT_KINDS,
  MAX_ANCHOR_ENTRIES,
  MAX_RECORDS_PER_EVENT,
  CONSENT_ID_PATTERN,
  REQUEST_ID_PATTERN,
  EVENT_ID_PATTERN,
  CHAIN_ID_PATTERN,
  HASH_HEX_PATTERN,
  accessorSchema,
  accessEventSchema,
  chainEntrySchema,
  anchorArgsSchema,
  reviewArgsSchema,
  incidentArgsSchema,
} from './schema.js';
export type {
  AccessEvent,
  Accessor,
  Interaction,
  Purpose,
  ChainEntry,
  AnchorArgs,
  ReviewArgs,
  Attestation,
  IncidentArgs,
  IncidentKind,
} from './schema.js';
export {
  ACCESS_EVENT_HASH_DOMAIN,
  ACCESS_CHAIN_HEAD_DOMAIN,
  ACCESS_CHAIN_ID_DOMAIN,
  BREAK_GLASS_REF_DOMAIN,
  INCIDENT_SUBJECT_DOMAIN,
  REVIEW_ATTESTATION_DOMAIN,
  GENESIS_HEAD,
  chainIdOf,
  accessEventHash,
  nextChainHead,
  accessEventId,
  breakGlassRef,
  incidentSubject,
  reviewAttestationPayload,
  verifyAccessChain,
  verifyAccessReport,
} from './chain.js';
export type { ChainedAccessEvent, AnchoredHead, ChainVerdict, ChainLink, AccessReport, ReportVerdict } from './chain.js';
export {
  ACCESS_NAMESPACE,
  INCIDENT_ID_DOMAIN,
  incidentIdForTx,
  chainPrefix,
  chainKey,
  btgPrefix,
  btgKey,
  incidentPrefix,
  incidentKey,
  getChainHead,
  getBreakGlass,
  getIncident,
} from './state.js';
export type { ChainHeadRecord, BreakGlassMark, IncidentRecord } from './state.js';
export { anchoredHead, breakGlassMarks, breakGlassQueue, chainHeads, incidentsOf } from './queries.js';
