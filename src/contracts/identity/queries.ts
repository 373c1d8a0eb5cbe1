// HTTP-free queries over identity state for the doors and services: members
// of an organisation, a patient's record and status, and (re-exported from
// delegation-queries.ts) the delegations of a patient and the appointments of
// an organisation.
import { pageOf, type Page, type StateReader, type StateScan } from '../keys/keys.js';
import { getPatient, IDENTITY_NAMESPACE, memberPrefix, type MemberRecord, type PatientRecord } from './keys.js';

export { delegationsOfPatient, appointmentsOfOrg, delegationView, delegateMay } from './delegation-queries.js';
export { custodianOf, patientStatus, isActiveMember, getMember as memberRecord } from './keys.js';

/** A page of an organisation's members in id order; `after` is the member id the previous page ended with. */
export function listMembers(scan: StateScan, orgId: string, limit: number, after?: string): Page<MemberRecord> {
  return pageOf<MemberRecord>(scan, IDENTITY_NAMESPACE, memberPrefix(orgId), limit, after);
}

/** A patient's identity record (active or erased), undefined for an unknown pseudonym. */
export function patientRecord(reader: StateReader, pseudonym: string): PatientRecord | undefined {
  return getPatient(reader, pseudonym);
}

/** Block time of the patient's erasure, if erased. */
export function erasedAt(reader: StateReader, pseudonym: string): string | undefined {
  const at = getPatient(reader, pseudonym)?.erasedAt;
  return typeof at === 'string' ? at : undefined;
}
