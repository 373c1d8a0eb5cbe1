// State writes of the identity contract and the key registry: members,
// patients, delegates, their indexes, and on key rotation or revocation the
// key lists of the owning record (governance's org records included). The
// layout and the readers are identity/keys.ts (re-exported here for the
// modules that import them from this file).
import type { JsonValue, KeyRecord, StateAccess, StateReader } from '../../ledger/contract.js';
import { getKey, KEYS_NAMESPACE } from '../keys/keys.js';
import { getOrg, GOVERNANCE_NAMESPACE, isOrgActive, orgKey } from '../governance/keys.js';
import {
  delegateKey,
  getDelegate,
  getMember,
  delegatesOf,
  getOrgDelegationRefs,
  getOrgMemberIds,
  getPatient,
  getPatientDelegateIds,
  IDENTITY_NAMESPACE,
  membersOf,
  memberKey,
  orgDelegationKey,
  patientKey,
  type DelegateRecord,
  type DelegateRef,
  type MemberRecord,
  type PatientRecord,
} from './keys.js';

export {
  IDENTITY_NAMESPACE,
  memberKey,
  patientKey,
  delegateKey,
  orgDelegationKey,
  getMember,
  getPatient,
  getDelegate,
  getKey,
  getOrgMemberIds,
  getPatientDelegateIds,
  getOrgDelegationRefs,
  membersOf,
  delegatesOf,
  isOrgActive,
};
export type { MemberRecord, PatientRecord, DelegateRecord, DelegateRef };
export { GOVERNANCE_NAMESPACE };
/** The governance org record as identity reads it (adminKeys, nodeKeys, status). */
export const getOrgView = getOrg;

export function putMember(state: StateAccess, member: MemberRecord): void {
  state.put(IDENTITY_NAMESPACE, memberKey(member.orgId, member.memberId), member as { [k: string]: JsonValue });
}

export function putPatient(state: StateAccess, patient: PatientRecord): void {
  state.put(IDENTITY_NAMESPACE, patientKey(patient.pseudonym), patient);
}

export function putDelegate(state: StateAccess, delegate: DelegateRecord): void {
  state.put(IDENTITY_NAMESPACE, delegateKey(delegate.pseudonym, delegate.delegateId), delegate as { [k: string]: JsonValue });
}

/** Indexes an org's appointment: one small entry under the org's prefix, whatever the number before it. */
export function addOrgDelegation(state: StateAccess, orgId: string, ref: DelegateRef): void {
  state.put(IDENTITY_NAMESPACE, orgDelegationKey(orgId, ref), { pseudonym: ref.pseudonym, delegateId: ref.delegateId });
}

export function putKey(state: StateAccess, keyId: string, record: KeyRecord): void {
  state.put(KEYS_NAMESPACE, keyId, record);
}

/** Marks a key revoked (no-op if unknown or already revoked). */
export function revokeKey(state: StateAccess, keyId: string, height: number): void {
  const record = getKey(state, keyId);
  if (record === undefined || record.status === 'revoked') return;
  putKey(state, keyId, { ...record, status: 'revoked', revokedAt: height });
}

/** The first key of `keys` already in the registry (any status), if any. */
export function firstRegistered(reader: StateReader, keys: readonly string[]): string | undefined {
  return keys.find((k) => getKey(reader, k) !== undefined);
}

function replaceIn(list: string[], oldId: string, newId: string | undefined): string[] {
  return newId === undefined ? list.filter((k) => k !== oldId) : list.map((k) => (k === oldId ? newId : k));
}

/**
 * Updates the key list of the record that owns `record` (org, member, patient
 * or delegate): `oldId` is replaced by `newId`, or dropped when newId is
 * undefined. Owner key lists hold the keys currently bound to the owner.
 */
export function updateOwnerKeys(state: StateAccess, record: KeyRecord, oldId: string, newId: string | undefined): void {
  switch (record.kind) {
    case 'org-admin':
    case 'node': {
      const org = record.org === null ? undefined : getOrgView(state, record.org);
      if (org === undefined) return;
      const field = record.kind === 'org-admin' ? 'adminKeys' : 'nodeKeys';
      state.put(GOVERNANCE_NAMESPACE, orgKey(org.orgId), { ...org, [field]: replaceIn(org[field], oldId, newId) });
      return;
    }
    case 'member': {
      const member = record.org === null ? undefined : getMember(state, record.org, record.owner);
      if (member !== undefined) putMember(state, { ...member, keys: replaceIn(member.keys, oldId, newId) });
      return;
    }
    case 'patient': {
      const patient = getPatient(state, record.owner);
      if (patient !== undefined) putPatient(state, { ...patient, keys: replaceIn(patient.keys, oldId, newId) });
      return;
    }
    case 'delegate': {
      const pseudonym = record['patient'];
      const delegate = typeof pseudonym === 'string' ? getDelegate(state, pseudonym, record.owner) : undefined;
      if (delegate !== undefined) putDelegate(state, { ...delegate, keys: replaceIn(delegate.keys, oldId, newId) });
      return;
    }
  }
}
