// The access contract's state layout, its deterministic ids, and the read-only
// views it needs of the key registry and governance (contracts never import
// each other; they share only the state layout, ARCHITECTURE section 5).
// Nothing here names a patient, an accessor, a purpose or a reason:
//   'access'/'chain/<custodianOrg>/<chainId>'  -> ChainHeadRecord (latest anchored head of a blinded chain)
//   'access'/'btg/<custodianOrg>/<ref>'        -> BreakGlassMark (opaque reference, review outcome)
//   'access'/'incident/<reporterOrg>/<id>'     -> IncidentRecord (subject is a commitment)
//   'keys'/<keyId>, 'governance'/'org/<orgId>', 'network'/'config'
import { sha256, toHex, utf8 } from '../../crypto/index.js';
import { KEYS_NAMESPACE, refuse, type ExecContext, type JsonValue, type Refusal, type StateReader } from '../../ledger/contract.js';
import type { IncidentKind } from './schema.js';

export const ACCESS_NAMESPACE = 'access';
export const GOVERNANCE_NAMESPACE = 'governance';
export const INCIDENT_ID_DOMAIN = 'careledger.incident/1\n';

/** The latest anchored head of one custodian's chain. */
export interface ChainHeadRecord {
  chain: string;
  custodian: string;
  seq: number;
  head: string;
  /** The anchoring transaction (its inclusion proof is what the patient checks). */
  txId: string;
  height: number;
}

/** A break-glass event as the ledger knows it: an opaque reference and, once reviewed, the outcome. */
export interface BreakGlassMark {
  ref: string;
  custodian: string;
  status: 'pending' | 'reviewed';
  anchoredAt: string;
  height: number;
  outcome?: 'justified' | 'unjustified';
  reviewedBy?: string;
  reviewedAt?: string;
}

export interface IncidentRecord {
  incidentId: string;
  kind: IncidentKind;
  reporterOrg: string;
  custodianOrg: string;
  subject: string;
  detail: string;
  reportedAt: string;
  height: number;
}

/** 'inc-' + hex(first 16 bytes of SHA-256(utf8('careledger.incident/1\n' + txId))). */
export function incidentIdForTx(txId: string): string {
  return 'inc-' + toHex(sha256(utf8(INCIDENT_ID_DOMAIN + txId)).subarray(0, 16));
}

export const chainPrefix = (custodianOrg: string): string => `chain/${custodianOrg}/`;
export const chainKey = (custodianOrg: string, chain: string): string => `${chainPrefix(custodianOrg)}${chain}`;
/** Prefix of an organisation's break-glass marks. */
export const btgPrefix = (custodianOrg: string): string => `btg/${custodianOrg}/`;
export const btgKey = (custodianOrg: string, ref: string): string => `${btgPrefix(custodianOrg)}${ref}`;
export const incidentPrefix = (reporterOrg: string): string => `incident/${reporterOrg}/`;
export const incidentKey = (reporterOrg: string, incidentId: string): string => `${incidentPrefix(reporterOrg)}${incidentId}`;

type JsonObject = { [k: string]: JsonValue };

function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** Converts a typed record (no undefined fields: optional ones are omitted) to stored JSON. */
export const toJson = (value: object): JsonValue => value as unknown as JsonValue;

export function getChainHead(reader: StateReader, custodianOrg: string, chain: string): ChainHeadRecord | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, chainKey(custodianOrg, chain)));
  return rec?.['chain'] === chain ? (rec as unknown as ChainHeadRecord) : undefined;
}

export function getBreakGlass(reader: StateReader, custodianOrg: string, ref: string): BreakGlassMark | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, btgKey(custodianOrg, ref)));
  return rec?.['ref'] === ref ? (rec as unknown as BreakGlassMark) : undefined;
}

export function getIncident(reader: StateReader, reporterOrg: string, incidentId: string): IncidentRecord | undefined {
  const rec = asObject(reader.get(ACCESS_NAMESPACE, incidentKey(reporterOrg, incidentId)));
  return rec?.['incidentId'] === incidentId ? (rec as unknown as IncidentRecord) : undefined;
}

export function orgStatus(reader: StateReader, orgId: string): string | undefined {
  const rec = asObject(reader.get(GOVERNANCE_NAMESPACE, `org/${orgId}`));
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

/** The signer's org if it is an active node key of an active org, else UNAUTHORIZED. */
export function nodeOrgOf(ctx: ExecContext): string | Refusal {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active node key');
  return orgStatus(ctx.state, key.org) === 'active' ? key.org : refuse('UNAUTHORIZED', 'signer org is not active');
}

/** Whether keyId is an active node key of org (the key registry, as the executor writes it). */
export function isNodeKeyOf(reader: StateReader, org: string, keyId: string): boolean {
  const rec = asObject(reader.get(KEYS_NAMESPACE, keyId));
  return rec?.['kind'] === 'node' && rec['status'] === 'active' && rec['org'] === org;
}

/** The signer's org and member id if it is an active privacy officer's key of an active org, else UNAUTHORIZED. */
export function privacyOfficerOf(ctx: ExecContext): { org: string; memberId: string } | Refusal {
  const key = ctx.signerKey;
  const officer = key?.kind === 'member' && key.status === 'active' && key.org !== null && key.roles.includes('privacy-officer');
  if (!officer || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an active privacy officer');
  return orgStatus(ctx.state, key.org) === 'active' ? { org: key.org, memberId: key.owner } : refuse('UNAUTHORIZED', 'signer org is not active');
}
