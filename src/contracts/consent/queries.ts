// HTTP-free queries over consent state for the doors and services: a
// patient's grants as stored (sealed; the custodian opens them with its
// ConsentBook) and the ids of its active grants.
import { allOf, type StateReader, type StateScan } from '../keys/keys.js';
import { CONSENT_NAMESPACE, grantPrefix, readIndex, type SealedConsentRecord } from './keys.js';

/** Every grant of a patient, active and revoked, in consent id order; TOO_LARGE beyond `max`. */
export function consentsOfPatient(scan: StateScan, pseudonym: string, max: number): SealedConsentRecord[] {
  return allOf<SealedConsentRecord>(scan, CONSENT_NAMESPACE, grantPrefix(pseudonym), max);
}

/** Ids of a patient's active grants, in grant order. */
export function activeConsentIds(reader: StateReader, pseudonym: string): string[] {
  return readIndex(reader, pseudonym);
}
