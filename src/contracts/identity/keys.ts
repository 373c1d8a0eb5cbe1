// The state vocabulary of the identity contract, the one module other
// contracts and layers import to read it:
//   'identity'/'member/<orgId>/<memberId>'          -> MemberRecord
//   'identity'/'patient/<pseudonym>'                -> PatientRecord
//   'identity'/'delegate/<pseudonym>/<delegateId>'  -> DelegateRecord
//   'identity'/'org-delegation/<orgId>/<pseudonym>/<delegateId>' -> DelegateRef
// An org's members are the scan of 'member/<orgId>/', a patient's delegates
// the scan of 'delegate/<pseudonym>/', an org's appointments the scan of
// 'org-delegation/<orgId>/': no value grows with the data
// (docs/state-layout.md).
// with the identifier patterns, the delegation model's constants and
// delegationStatus: the one pure function that says whether a delegation may
// act now. Every point of use (contracts at block time; auth and FHIR at
// request time) asks it, so a delegation ends at once when its end date
// passes or its appointer's authority goes, without a transaction ending it.
// Pure vocabulary: no schemas, no writes.
import type { JsonValue } from '../../ledger/contract.js';
import { allOf, asObject, getKey, stringsOf, type JsonObject, type StateReader, type StateScan } from '../keys/keys.js';
import { isOrgActive } from '../governance/keys.js';

export { getKey };

export const IDENTITY_CONTRACT = 'identity';
export const IDENTITY_NAMESPACE = 'identity';

export const MEMBER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Hex keeps the ids valid FHIR ids ([A-Za-z0-9.-]{1,64}), so `Patient/<pseudonym>` is a valid reference.
export const PSEUDONYM_PATTERN = /^pt-[0-9a-f]{32}$/;
export const DELEGATE_ID_PATTERN = /^dg-[0-9a-f]{32}$/;

/** What a delegation lets its holder do for the patient. */
export const DELEGATE_POWERS = ['read', 'manage-consent', 'manage-keys', 'erase'] as const;
export type DelegatePower = (typeof DELEGATE_POWERS)[number];
/** Powers of a delegation that does not name any. */
export const DEFAULT_POWERS: readonly DelegatePower[] = ['read', 'manage-consent'];

/** Legal grounds on which an organisation may appoint a delegate (a short code; the reference text says where it is documented). */
export const LEGAL_BASES = ['minor-parental-authority', 'court-appointed-guardian', 'healthcare-power-of-attorney', 'incapacity-next-of-kin'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The two roles of an organisation appointment: one person of each signs. */
export const APPOINTING_ROLES = ['org-admin', 'privacy-officer'] as const;
export type AppointingRole = (typeof APPOINTING_ROLES)[number];

/** One of the two people of an organisation appointment: the member, the key that signed and the role it signed in. */
export interface Appointer {
  [k: string]: JsonValue;
  memberId: string;
  keyId: string;
  role: AppointingRole;
}

/** Who appointed a delegate: the patient (its own key), or an organisation (two people and a legal basis). */
export type Appointment =
  | { [k: string]: JsonValue; by: 'patient'; keyId: string; at: string }
  | {
      [k: string]: JsonValue;
      by: 'org';
      orgId: string;
      legalBasis: LegalBasis;
      /** Where the basis is documented (a court order number, a file reference); never health data. */
      reference: string;
      proposedBy: Appointer;
      proposedAt: string;
      approvedBy?: Appointer;
      approvedAt?: string;
    };

/** The powers a stored `powers` field grants (DEFAULT_POWERS if absent); unknown entries are ignored. */
export function powersOf(powers: JsonValue | undefined): DelegatePower[] {
  if (!Array.isArray(powers)) return [...DEFAULT_POWERS];
  return DELEGATE_POWERS.filter((power) => powers.includes(power));
}

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

/** Prefix of an org's member records (a scan lists its members in id order). */
export const memberPrefix = (orgId: string): string => `member/${orgId}/`;
export const memberKey = (orgId: string, memberId: string): string => `${memberPrefix(orgId)}${memberId}`;
export const patientKey = (pseudonym: string): string => `patient/${pseudonym}`;
/** Prefix of a patient's delegate records (erase-patient scans it to revoke every delegate key). */
export const delegatePrefix = (pseudonym: string): string => `delegate/${pseudonym}/`;
export const delegateKey = (pseudonym: string, delegateId: string): string => `${delegatePrefix(pseudonym)}${delegateId}`;
/** Prefix of the delegates an org appointed or proposed (the privacy officer's view). */
export const orgDelegationPrefix = (orgId: string): string => `org-delegation/${orgId}/`;
export const orgDelegationKey = (orgId: string, ref: DelegateRef): string => `${orgDelegationPrefix(orgId)}${ref.pseudonym}/${ref.delegateId}`;

/** A delegate named by its patient and id (an entry of the org index). */
export interface DelegateRef {
  [k: string]: JsonValue;
  pseudonym: string;
  delegateId: string;
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

/** Every member record of an org, in member-id order (TOO_LARGE beyond `max`). */
export function membersOf(scan: StateScan, orgId: string, max = Number.MAX_SAFE_INTEGER): MemberRecord[] {
  return allOf<MemberRecord>(scan, IDENTITY_NAMESPACE, memberPrefix(orgId), max);
}

/** Member ids registered in an org, in id order. */
export function getOrgMemberIds(scan: StateScan, orgId: string): string[] {
  return membersOf(scan, orgId).map((m) => m.memberId);
}

/** Every delegate record of a patient, in delegate-id order. */
export function delegatesOf(scan: StateScan, pseudonym: string, max = Number.MAX_SAFE_INTEGER): DelegateRecord[] {
  return allOf<DelegateRecord>(scan, IDENTITY_NAMESPACE, delegatePrefix(pseudonym), max);
}

/** Delegate ids of a patient, in id order. */
export function getPatientDelegateIds(scan: StateScan, pseudonym: string): string[] {
  return delegatesOf(scan, pseudonym).map((d) => d.delegateId);
}

/** Delegates an org proposed or appointed, in (pseudonym, delegate id) order. */
export function getOrgDelegationRefs(scan: StateScan, orgId: string, max = Number.MAX_SAFE_INTEGER): DelegateRef[] {
  return allOf<JsonValue>(scan, IDENTITY_NAMESPACE, orgDelegationPrefix(orgId), max).flatMap((r) => {
    const o = asObject(r);
    const pseudonym = o?.['pseudonym'];
    const delegateId = o?.['delegateId'];
    return typeof pseudonym === 'string' && typeof delegateId === 'string' ? [{ pseudonym, delegateId }] : [];
  });
}

/** Why a delegation does not act (any more). */
export type EndReason =
  | 'removed'
  | 'rejected'
  | 'expired'
  | 'patient-inactive'
  | 'org-inactive'
  | 'appointer-inactive'
  | 'unverified'
  | 'unknown';

export type DelegationStatus =
  | { status: 'active'; powers: readonly DelegatePower[] }
  | { status: 'pending' }
  | { status: 'ended'; reason: EndReason };

/** Does the member still hold the role it appointed in, in an active org? */
function appointerHolds(state: StateReader, orgId: string, a: JsonObject | undefined): boolean {
  const memberId = a?.['memberId'];
  const role = a?.['role'];
  if (typeof memberId !== 'string' || typeof role !== 'string') return false;
  const member = getMember(state, orgId, memberId);
  return member?.status === 'active' && member.orgId === orgId && member.roles.includes(role);
}

/**
 * Whether `delegate` may act at `nowIso` (block time in contracts, request
 * time at the front doors). Ended when: removed or rejected; validUntil is not
 * after now; the patient is not active (erased); for an organisation
 * appointment, the org is not active or either appointing member is no longer
 * an active member holding the role it signed in. A record without an
 * appointment (written before appointments were recorded) is 'unverified' and
 * never acts. Pending appointments report 'pending' while they could still be
 * approved.
 */
export function delegationStatus(state: StateReader, delegate: DelegateRecord | undefined, nowIso: string): DelegationStatus {
  if (delegate === undefined) return { status: 'ended', reason: 'unknown' };
  if (delegate.status === 'removed') return { status: 'ended', reason: 'removed' };
  if (delegate.status === 'rejected') return { status: 'ended', reason: 'rejected' };
  if (delegate.status !== 'active' && delegate.status !== 'pending') return { status: 'ended', reason: 'unknown' };
  const until = delegate.validUntil;
  if (until !== undefined && !(Date.parse(until) > Date.parse(nowIso))) return { status: 'ended', reason: 'expired' };
  if (getPatient(state, delegate.pseudonym)?.status !== 'active') return { status: 'ended', reason: 'patient-inactive' };
  const appointment = asObject(delegate['appointment']);
  if (appointment?.['by'] === 'patient') {
    if (delegate.status !== 'active') return { status: 'ended', reason: 'unverified' };
  } else if (appointment?.['by'] === 'org') {
    const orgId = appointment['orgId'];
    if (typeof orgId !== 'string' || !isOrgActive(state, orgId)) return { status: 'ended', reason: 'org-inactive' };
    if (!appointerHolds(state, orgId, asObject(appointment['proposedBy']))) return { status: 'ended', reason: 'appointer-inactive' };
    if (delegate.status === 'pending') return { status: 'pending' };
    if (!appointerHolds(state, orgId, asObject(appointment['approvedBy']))) return { status: 'ended', reason: 'appointer-inactive' };
  } else {
    return { status: 'ended', reason: 'unverified' };
  }
  return { status: 'active', powers: powersOf(delegate['powers']) };
}

/** True when the delegation is active at `nowIso` and grants `power`. */
export function delegationGrants(state: StateReader, delegate: DelegateRecord | undefined, nowIso: string, power: DelegatePower): boolean {
  const s = delegationStatus(state, delegate, nowIso);
  return s.status === 'active' && s.powers.includes(power);
}

/** Does delegate `delegateId` of `pseudonym` hold `power` at `nowIso` (delegationStatus)? */
export function delegateMay(state: StateReader, pseudonym: string, delegateId: string, power: DelegatePower, nowIso: string): boolean {
  return delegationGrants(state, getDelegate(state, pseudonym, delegateId), nowIso, power);
}

/** As delegateMay, and the delegate record lists `keyId` (the key that signs for it). */
export function delegateKeyMay(state: StateReader, pseudonym: string, delegateId: string, keyId: string, power: DelegatePower, nowIso: string): boolean {
  const delegate = getDelegate(state, pseudonym, delegateId);
  return stringsOf(delegate?.keys).includes(keyId) && delegationGrants(state, delegate, nowIso, power);
}

/** A record's status field: undefined if the record is absent, 'unknown' if the field is not a string. */
function statusField(rec: JsonObject | undefined): string | undefined {
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

/** A patient's status ('active', 'erased'): undefined for an unknown pseudonym, 'unknown' for a malformed record. */
export function patientStatus(reader: StateReader, pseudonym: string): string | undefined {
  return statusField(getPatient(reader, pseudonym));
}

/** The custodian organisation of a patient (undefined if unknown or self-enrolled). */
export function custodianOf(reader: StateReader, pseudonym: string): string | undefined {
  const c = getPatient(reader, pseudonym)?.['custodian'];
  return typeof c === 'string' ? c : undefined;
}

/** A member's status ('active', 'inactive'): undefined if unknown, 'unknown' for a malformed record. */
export function memberStatus(reader: StateReader, orgId: string, memberId: string): string | undefined {
  return statusField(getMember(reader, orgId, memberId) as JsonObject | undefined);
}

/** An active member of an active organisation. */
export function isActiveMember(reader: StateReader, orgId: string, memberId: string): boolean {
  return isOrgActive(reader, orgId) && memberStatus(reader, orgId, memberId) === 'active';
}
