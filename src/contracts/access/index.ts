// Public face of the access contract: the contract, its schemas, ids and
// state layout (key builders for the per-patient log, the break-glass queue
// and incidents) with point lookups.
export { accessContract, ACCESS_CONTRACT } from './contract.js';
export { checkAccessEvent } from './record.js';
export {
  INTERACTIONS,
  PURPOSES,
  BREAK_GLASS_PURPOSES,
  INCIDENT_KINDS,
  MAX_EVENTS_PER_TX,
  MAX_RECORDS_PER_EVENT,
  CONSENT_ID_PATTERN,
  REQUEST_ID_PATTERN,
  EVENT_ID_PATTERN,
  accessorSchema,
  accessEventSchema,
  recordArgsSchema,
  reviewArgsSchema,
  incidentArgsSchema,
} from './schema.js';
export type { AccessEvent, Accessor, Interaction, Purpose, RecordArgs, ReviewArgs, IncidentArgs, IncidentKind } from './schema.js';
export {
  ACCESS_NAMESPACE,
  ACCESS_EVENT_DOMAIN,
  INCIDENT_ID_DOMAIN,
  accessEventId,
  incidentIdForTx,
  logPrefix,
  logKey,
  btgPrefix,
  btgKey,
  incidentPrefix,
  incidentKey,
  getLogEntry,
  getBreakGlass,
  getIncident,
} from './state.js';
export type { AccessLogEntry, BreakGlassEntry, IncidentRecord } from './state.js';
