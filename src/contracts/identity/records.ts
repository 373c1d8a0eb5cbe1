// State layout owned by the identity contract (namespace 'identity') and the
// key registry (namespace 'keys'), with point lookups for other layers. It also
// reads, and on key rotation or revocation rewrites, the key lists of
// governance's org records: the layout is shared, the code is not (contracts
// never import each other).
import { KEYS_NAMESPACE, type JsonValue, type KeyRecord, type StateAccess, type StateReader } from '../../ledger/contract.js';
import type { Appointment, DelegatePower } from './delegation.js';

export const IDENTITY_NAMESPACE = 'identity';
export const GOVERNANCE_NAMESPACE = 'governance';

export interface MemberRecord {
  [k: string]: JsonValue | undefined;
  orgId: string;
  memberId: string;
  roles: string[];
  licence?: string;
  display?: string;
  keys: string[];
  status: 'active' | 'inactive';
  since: number;
}

export interface PatientRecord {
  [k: string]: JsonValue;
  pseudonym: string;
  keys: string[];
  custodian: string | null;
  status: 'active' | 'erased';
  since: number;
  /** Block time of erase-patient (GDPR Art. 17), present once erased. */
  erasedAt?: string;
}

/**
 * A delegate of a patient. 'pending' is an organisation appointment awaiting
 * its second signature (its keys are not registered yet); 'rejected' one that
 * never became active. Whether an 'active' record may act now is
 * delegationStatus (status.ts), never this field alone.
 */
export interface DelegateRecord {
  [k: string]: JsonValue | undefined;
  pseudonym: string;
  delegateId: string;
  relationship: 'guardian' | 'proxy';
  keys: string[];
  status: 'pending' | 'active' | 'removed' | 'rejected';
  validUntil?: string;
  since: number;
  powers?: DelegatePower[];
  appointment?: Appointment;
  /** Block time and signer of the removal, rejection or withdrawal. */
  endedAt?: string;
  endedBy?: string;
}

/** The fields of governance's `org/<orgId>` record that identity relies on. */
export interface OrgView {
  [k: string]: JsonValue;
  orgId: string;
  adminKeys: string[];
  nodeKeys: string[];
  status: 'active' | 'removed';
}

export const memberKey = (orgId: string, memberId: string): string => `member/${orgId}/${memberId}`;
export const patientKey = (pseudonym: string): string => `patient/${pseudonym}`;
export const delegateKey = (pseudonym: string, delegateId: string): string => `delegate/${pseudonym}/${delegateId}`;
/** Index of an org's member ids (governance reads it to revoke member keys on removal). */
export const orgMembersKey = (orgId: string): string => `org-members/${orgId}`;
/** Index of a patient's delegate ids (erase-patient reads it to revoke every delegate key). */
export const patientDelegatesKey = (pseudonym: string): string => `patient-delegates/${pseudonym}`;
/** Index of the delegates an org appointed or proposed (the privacy officer's view). */
export const orgDelegationsKey = (orgId: string): string => `org-delegations/${orgId}`;

/** A delegate named by its patient and id (an entry of the org index). */
export interface DelegateRef {
  [k: string]: JsonValue;
  pseudonym: string;
  delegateId: string;
}

function asObject(value: JsonValue | undefined): { [k: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

export function getMember(reader: StateReader, orgId: string, memberId: string): MemberRecord | undefined {
  return asObject(reader.get(IDENTITY_NAMESPACE, memberKey(orgId, memberId))) as MemberRecord | undefined;
}

export function getPatient(reader: StateReader, pseudonym: string): PatientRecord | undefined {
  return asObject(reader.get(IDENTITY_NAMESPACE, patientKey(pseudonym))) as PatientRecord | undefined;
}

export function getDelegate(reader: StateReader, pseudonym: string, delegateId: string): DelegateRecord | undefined {
  return asObject(reader.get(IDENTITY_NAMESPACE, delegateKey(pseudonym, delegateId))) as DelegateRecord | undefined;
}

export function getKey(reader: StateReader, keyId: string): KeyRecord | undefined {
  return asObject(reader.get(KEYS_NAMESPACE, keyId)) as KeyRecord | undefined;
}

/** Member ids registered in an org, in registration order. */
export function getOrgMemberIds(reader: StateReader, orgId: string): string[] {
  const ids = asObject(reader.get(IDENTITY_NAMESPACE, orgMembersKey(orgId)))?.['memberIds'];
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

/** Delegate ids ever added for a patient, in order (delegates added from this index's introduction on). */
export function getPatientDelegateIds(reader: StateReader, pseudonym: string): string[] {
  const ids = asObject(reader.get(IDENTITY_NAMESPACE, patientDelegatesKey(pseudonym)))?.['delegateIds'];
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

export function getOrgView(reader: StateReader, orgId: string): OrgView | undefined {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, `org/${orgId}`)) as OrgView | undefined;
}

export function isOrgActive(reader: StateReader, orgId: string | null): boolean {
  return orgId !== null && getOrgView(reader, orgId)?.status === 'active';
}

/** Delegates an org proposed or appointed, in proposal order. */
export function getOrgDelegationRefs(reader: StateReader, orgId: string): DelegateRef[] {
  const refs = asObject(reader.get(IDENTITY_NAMESPACE, orgDelegationsKey(orgId)))?.['delegates'];
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r) => {
    const o = asObject(r);
    const pseudonym = o?.['pseudonym'];
    const delegateId = o?.['delegateId'];
    return typeof pseudonym === 'string' && typeof delegateId === 'string' ? [{ pseudonym, delegateId }] : [];
  });
}

export function putMember(state: StateAccess, member: MemberRecord): void {
  state.put(IDENTITY_NAMESPACE, memberKey(member.orgId, member.memberId), member as { [k: string]: JsonValue });
}

export function putPatient(state: StateAccess, patient: PatientRecord): void {
  state.put(IDENTITY_NAMESPACE, patientKey(patient.pseudonym), patient);
}

export function putDelegate(state: StateAccess, delegate: DelegateRecord): void {
  state.put(IDENTITY_NAMESPACE, delegateKey(delegate.pseudonym, delegate.delegateId), delegate as { [k: string]: JsonValue });
}

export function addOrgMember(state: StateAccess, orgId: string, memberId: string): void {
  const ids = getOrgMemberIds(state, orgId);
  if (!ids.includes(memberId)) state.put(IDENTITY_NAMESPACE, orgMembersKey(orgId), { orgId, memberIds: [...ids, memberId] });
}

export function addPatientDelegate(state: StateAccess, pseudonym: string, delegateId: string): void {
  const ids = getPatientDelegateIds(state, pseudonym);
  if (!ids.includes(delegateId)) state.put(IDENTITY_NAMESPACE, patientDelegatesKey(pseudonym), { pseudonym, delegateIds: [...ids, delegateId] });
}

export function addOrgDelegation(state: StateAccess, orgId: string, ref: DelegateRef): void {
  const refs = getOrgDelegationRefs(state, orgId);
  state.put(IDENTITY_NAMESPACE, orgDelegationsKey(orgId), { orgId, delegates: [...refs, ref] });
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
      state.put(GOVERNANCE_NAMESPACE, `org/${org.orgId}`, { ...org, [field]: replaceIn(org[field], oldId, newId) });
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
