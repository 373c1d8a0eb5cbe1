// The state vocabulary of the access contract, the one module other
// contracts and layers import to read it. Nothing here names a patient, an
// accessor, a purpose or a reason:
//   'access'/'chain/<custodianOrg>/<chainId>'  -> ChainHeadRecord (latest anchored head of a blinded chain)
//   'access'/'btg/<custodianOrg>/<ref>'        -> BreakGlassMark (opaque reference, review outcome)
//   'access'/'incident/<reporterOrg>/<id>'     -> IncidentRecord (subject is a commitment)
// Pure vocabulary: constants, key builders, record types and typed readers.
import { asObject, type StateReader } from '../keys/keys.js';

export const ACCESS_CONTRACT = 'access';
export const ACCESS_NAMESPACE = 'access';

/** Kinds of incident an organisation may report. */
export const INCIDENT_KINDS = ['integrity-mismatch', 'exchange-refused'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

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

export const chainPrefix = (custodianOrg: string): string => `chain/${custodianOrg}/`;
export const chainKey = (custodianOrg: string, chain: string): string => `${chainPrefix(custodianOrg)}${chain}`;
/** Prefix of an organisation's break-glass marks. */
export const btgPrefix = (custodianOrg: string): string => `btg/${custodianOrg}/`;
export const btgKey = (custodianOrg: string, ref: string): string => `${btgPrefix(custodianOrg)}${ref}`;
export const incidentPrefix = (reporterOrg: string): string => `incident/${reporterOrg}/`;
export const incidentKey = (reporterOrg: string, incidentId: string): string => `${incidentPrefix(reporterOrg)}${incidentId}`;

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
