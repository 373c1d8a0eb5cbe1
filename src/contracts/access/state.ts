// The access contract's state layout, its deterministic ids, and the read-only
// views it needs of the key registry, identity and governance (contracts never
// import each other; they share only the state layout, ARCHITECTURE section 5):
//   'access'/'log/<pseudonym>/<at>/<eventId>'  -> AccessLogEntry (time-ordered per patient)
//   'access'/'btg/<custodianOrg>/<eventId>'    -> BreakGlassEntry (privacy officer's queue)
//   'access'/'incident/<reporterOrg>/<id>'     -> IncidentRecord
//   'keys'/<keyId>, 'identity'/'patient/<pseudonym>', 'governance'/'org/<orgId>', 'network'/'config'
import { sha256, toHex, utf8 } from '../../crypto/index.js';
import { refuse, type ExecContext, type JsonValue, type Refusal, type StateReader } from '../../ledger/contract.js';
import { DEFAULT_TIME_WINDOW_MS, NETWORK_CONFIG_KEY, NETWORK_NAMESPACE } from '../../ledger/executor.js';
import type { AccessEvent, Accessor, IncidentKind } from './schema.js';

export const ACCESS_NAMESPACE = 'access';
export const IDENTITY_NAMESPACE = 'identity';
export const GOVERNANCE_NAMESPACE = 'governance';
export const ACCESS_EVENT_DOMAIN = 'careledger.access/1\n';
export const INCIDENT_ID_DOMAIN = 'careledger.incident/1\n';

/** A stored access event: the event as recorded plus its id, custodian and block height. */
export type AccessLogEntry = AccessEvent & { eventId: string; custodian: string; height: number };

export interface BreakGlassEntry {
  eventId: string;
  patient: string;
  accessor: Accessor;
  reason: string;
  at: string;
  status: 'pending' | 'reviewed';
  outcome?: 'justified' | 'unjustified';
  reviewedBy?: string;
  reviewedAt?: string;
  note?: string;
}

export interface IncidentRecord {
  incidentId: string;
  kind: IncidentKind;
  reporterOrg: string;
  custodianOrg: string;
  patient: string;
  recordId?: string;
  version?: number;
  detail: string;
  reportedAt: string;
  height: number;
}

const hexId = (prefix: string, domain: string, tail: string) => prefix + toHex(sha256(utf8(domain + tail)).subarray(0, 16));

/** 'ae-' + hex(first 16 bytes of SHA-256(utf8('careledger.access/1\n' + txId + '\n' + index))), index in args.events. */
export function accessEventId(txId: string, index: number): string {
  return hexId('ae-', ACCESS_EVENT_DOMAIN, `${txId}\n${index}`);
}

/** 'inc-' + hex(first 16 bytes of SHA-256(utf8('careledger.incident/1\n' + txId))). */
export function incidentIdForTx(txId: string): string {
  return hexId('inc-', INCIDENT_ID_DOMAIN, txId);
}

/** Prefix of a patient's access log; `at` is fixed-width RFC 3339 millis, so keys sort by time. */
export const logPrefix = (pseudonym: string): string => `log/${pseudonym}/`;
export const logKey = (pseudonym: string, at: string, eventId: string): string => `${logPrefix(pseudonym)}${at}/${eventId}`;
/** Prefix of an organisation's break-glass review queue. */
export const btgPrefix = (custodianOrg: string): string => `btg/${custodianOrg}/`;
export const btgKey = (custodianOrg: string, eventId: string): string => `${btgPrefix(custodianOrg)}${eventId}`;
export const incidentPrefix = (reporterOrg: string): string => `incident/${reporterOrg}/`;
export const incidentKey = (reporterOrg: string, incidentId: string): string => `${incidentPrefix(reporterOrg)}${incidentId}`;

type JsonObject = { [k: string]: JsonValue };

function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** Converts a typed record (no undefined fields: optional ones are omitted) to stored JSON. */
export const toJson = (value: object): JsonValue => value as unknown as JsonValue;

export function getLogEntry(reader: StateReader, pseudonym: string, at: string, eventId: string): AccessLogEntry | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, logKey(pseudonym, at, eventId)));
  return rec?.['eventId'] === eventId ? (rec as unknown as AccessLogEntry) : undefined;
}

export function getBreakGlass(reader: StateReader, custodianOrg: string, eventId: string): BreakGlassEntry | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, btgKey(custodianOrg, eventId)));
  return rec?.['eventId'] === eventId ? (rec as unknown as BreakGlassEntry) : undefined;
}

export function getIncident(reader: StateReader, reporterOrg: string, incidentId: string): IncidentRecord | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, incidentKey(reporterOrg, incidentId)));
  return rec?.['incidentId'] === incidentId ? (rec as unknown as IncidentRecord) : undefined;
}

/** Identity's view of a patient: status and, once erased, erasedAt. Undefined if unknown. */
export function patientView(reader: StateReader, pseudonym: string): { status: string; erasedAt: string | undefined } | undefined {
  const rec = asObject(reader.get(IDENTITY_NAMESPACE, `patient/${pseudonym}`));
  if (rec === undefined) return undefined;
  const erasedAt = rec['erasedAt'];
  return { status: typeof rec['status'] === 'string' ? rec['status'] : 'unknown', erasedAt: typeof erasedAt === 'string' ? erasedAt : undefined };
}

export function orgStatus(reader: StateReader, orgId: string): string | undefined {
  const rec = asObject(reader.get(GOVERNANCE_NAMESPACE, `org/${orgId}`));
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

/** The network's time window (network config, as the executor reads it). */
export function timeWindowMs(reader: StateReader): number {
  const w = asObject(reader.get(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY))?.['timeWindowMs'];
  return typeof w === 'number' && w > 0 ? w : DEFAULT_TIME_WINDOW_MS;
}

/** The signer's org if it is an active node key of an active org, else UNAUTHORIZED. */
export function nodeOrgOf(ctx: ExecContext): string | Refusal {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active node key');
  return orgStatus(ctx.state, key.org) === 'active' ? key.org : refuse('UNAUTHORIZED', 'signer org is not active');
}

/** The signer's org and member id if it is an active privacy officer's key of an active org, else UNAUTHORIZED. */
export function privacyOfficerOf(ctx: ExecContext): { org: string; memberId: string } | Refusal {
  const key = ctx.signerKey;
  const officer = key?.kind === 'member' && key.status === 'active' && key.org !== null && key.roles.includes('privacy-officer');
  if (!officer || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active privacy officer');
  return orgStatus(ctx.state, key.org) === 'active' ? { org: key.org, memberId: key.owner } : refuse('UNAUTHORIZED', 'signer org is not active');
}
