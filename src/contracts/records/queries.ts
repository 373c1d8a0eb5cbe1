// HTTP-free queries over records state for the doors and services: a
// record's head and its anchored versions.
import { allOf, type StateReader, type StateScan } from '../keys/keys.js';
import { getRecord, getVersion, RECORDS_NAMESPACE, versionPrefix, type AnchoredVersion, type RecordAnchor } from './keys.js';

/** The head of a record (undefined if never anchored). */
export function recordAnchor(reader: StateReader, recordId: string): RecordAnchor | undefined {
  return getRecord(reader, recordId);
}

/** One anchored version of a record. */
export function anchoredVersion(reader: StateReader, recordId: string, version: number): AnchoredVersion | undefined {
  return getVersion(reader, recordId, version);
}

/** Every anchored version of a record in version order; TOO_LARGE beyond `max`. */
export function versionsOf(scan: StateScan, recordId: string, max: number): AnchoredVersion[] {
  return allOf<AnchoredVersion>(scan, RECORDS_NAMESPACE, versionPrefix(recordId), max);
}
