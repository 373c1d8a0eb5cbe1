// The records contract's state layout and the read-only views it needs of the
// key registry, identity and governance (contracts never import each other;
// they share only the state layout, ARCHITECTURE section 5):
//   'records'/'rec/<recordId>'                -> RecordAnchor (the latest version)
//   'records'/'ver/<recordId>/<version:010>'  -> AnchoredVersion (one per version)
//   'keys'/<keyId>                            -> KeyRecord (signer authority)
//   'identity'/'patient/<pseudonym>'          -> { status: 'active' | 'erased', ... }
//   'governance'/'org/<orgId>'                -> { status, ... }
// No health data: ids, resource types, versions and salted commitments only.
import { refuse, type ExecContext, type JsonValue, type Refusal, type StateReader } from '../../ledger/contract.js';

export const RECORDS_NAMESPACE = 'records';
export const IDENTITY_NAMESPACE = 'identity';
export const GOVERNANCE_NAMESPACE = 'governance';
/** Width of the zero-padded version in version keys, so keys sort in version order. */
export const VERSION_KEY_WIDTH = 10;

export type AnchorOp = 'create' | 'update' | 'delete';

/** Head of a record: who holds it, for whom, and its latest anchored version. */
export interface RecordAnchor {
  [k: string]: JsonValue;
  recordId: string;
  patient: string;
  custodian: string;
  resourceType: string;
  latest: number;
  /** True when the latest version is a delete. */
  deleted: boolean;
  updatedAt: string;
}

/** One anchored version: the salted commitment the vault's content must match. */
export interface AnchoredVersion {
  [k: string]: JsonValue;
  commitment: string;
  op: AnchorOp;
  at: string;
  txId: string;
}

export const recordKey = (recordId: string): string => `rec/${recordId}`;
export const versionKey = (recordId: string, version: number): string =>
  `ver/${recordId}/${String(version).padStart(VERSION_KEY_WIDTH, '0')}`;
/** Prefix of all version keys of one record (a prefix scan lists them in version order). */
export const versionPrefix = (recordId: string): string => `ver/${recordId}/`;

type JsonObject = { [k: string]: JsonValue };

function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** The head of a record, undefined if never anchored. */
export function getRecord(reader: StateReader, recordId: string): RecordAnchor | undefined {
  const rec = asObject(reader.get(RECORDS_NAMESPACE, recordKey(recordId)));
  return rec?.['recordId'] === recordId && typeof rec['latest'] === 'number' ? (rec as RecordAnchor) : undefined;
}

/** One anchored version of a record, undefined if absent. */
export function getVersion(reader: StateReader, recordId: string, version: number): AnchoredVersion | undefined {
  if (!Number.isSafeInteger(version) || version < 1) return undefined;
  const rec = asObject(reader.get(RECORDS_NAMESPACE, versionKey(recordId, version)));
  return typeof rec?.['commitment'] === 'string' ? (rec as AnchoredVersion) : undefined;
}

/** Identity's patient status: 'active', 'erased', or undefined for an unknown pseudonym. */
export function patientStatus(reader: StateReader, pseudonym: string): string | undefined {
  const rec = asObject(reader.get(IDENTITY_NAMESPACE, `patient/${pseudonym}`));
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

/** The signer's org if it is an active node key of an active org (the custodian), else UNAUTHORIZED. */
export function custodianOf(ctx: ExecContext): string | Refusal {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) {
    return refuse('UNAUTHORIZED', 'signer is not an active node key');
  }
  const org = asObject(ctx.state.get(GOVERNANCE_NAMESPACE, `org/${key.org}`));
  return org?.['status'] === 'active' ? key.org : refuse('UNAUTHORIZED', 'signer org is not active');
}
