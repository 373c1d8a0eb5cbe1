// delegationStatus: the one pure function that says whether a delegation may
// act now. Every point of use (contracts at block time; auth and FHIR at
// request time) asks it, so a delegation ends at once when its end date
// passes or its appointer's authority goes, without a transaction ending it.
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import { powersOf, type DelegatePower } from './delegation.js';
import { getMember, getPatient, isOrgActive, type DelegateRecord } from './records.js';

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

type JsonObject = { [k: string]: JsonValue };
const asObject = (v: unknown): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;

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
