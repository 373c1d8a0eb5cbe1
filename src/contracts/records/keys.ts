// The state vocabulary of the records contract, the one module other
// contracts and layers import to read it. No health data: ids, resource
// types, versions and salted commitments only:
//   'records'/'rec/<recordId>'                -> RecordAnchor (the latest version)
//   'records'/'ver/<recordId>/<version:010>'  -> AnchoredVersion (one per version)
// Pure vocabulary: constants, key builders, record types and typed readers.
import type { JsonValue } from '../../ledger/contract.js';
import { asObject, type StateReader } from '../keys/keys.js';

export const RECORDS_CONTRACT = 'records';
export const RECORDS_NAMESPACE = 'records';

/** FHIR's id rule ([A-Za-z0-9.-]{1,64}), widened to 80 for custodian prefixes. */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9.-]{1,80}$/;
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;

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

/** Prefix of every record head (a prefix scan lists the records in id order). */
export const RECORD_PREFIX = 'rec/';
export const recordKey = (recordId: string): string => `${RECORD_PREFIX}${recordId}`;
export const versionKey = (recordId: string, version: number): string =>
  `ver/${recordId}/${String(version).padStart(VERSION_KEY_WIDTH, '0')}`;
/** Prefix of all version keys of one record (a prefix scan lists them in version order). */
export const versionPrefix = (recordId: string): string => `ver/${recordId}/`;

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
