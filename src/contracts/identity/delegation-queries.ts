// HTTP-free queries over delegations: what a patient sees of who acts for it
// (including every organisation appointment, the notice principle 1.7 asks
// for) and what a privacy officer sees of its organisation's appointments.
import type { StateReader } from '../../ledger/contract.js';
import type { StateScan } from '../keys/keys.js';
import { powersOf, type Appointer, type DelegatePower, type LegalBasis } from './delegation.js';
import { delegatesOf, getDelegate, getOrgDelegationRefs, type DelegateRecord } from './records.js';
import { delegationStatus, type EndReason } from './status.js';

/** One delegation as the patient and the appointing organisation see it. */
export interface DelegationView {
  pseudonym: string;
  delegateId: string;
  relationship: 'guardian' | 'proxy';
  powers: DelegatePower[];
  /** As of `nowIso` (delegationStatus); `ended` carries `endReason`. */
  status: 'pending' | 'active' | 'ended';
  endReason: EndReason | null;
  keys: string[];
  validUntil: string | null;
  appointedBy: 'patient' | 'org' | 'unknown';
  orgId: string | null;
  legalBasis: LegalBasis | null;
  reference: string | null;
  proposedBy: Appointer | null;
  proposedAt: string | null;
  approvedBy: Appointer | null;
  approvedAt: string | null;
  /** Block time of removal, rejection or erasure, if any. */
  endedAt: string | null;
}

/** The view of one delegate record at `nowIso`. */
export function delegationView(state: StateReader, d: DelegateRecord, nowIso: string): DelegationView {
  const s = delegationStatus(state, d, nowIso);
  const a = d.appointment;
  const org = a?.by === 'org' ? a : undefined;
  return {
    pseudonym: d.pseudonym,
    delegateId: d.delegateId,
    relationship: d.relationship,
    powers: powersOf(d.powers),
    status: s.status,
    endReason: s.status === 'ended' ? s.reason : null,
    keys: [...d.keys],
    validUntil: d.validUntil ?? null,
    appointedBy: a?.by ?? 'unknown',
    orgId: org?.orgId ?? null,
    legalBasis: org?.legalBasis ?? null,
    reference: org?.reference ?? null,
    proposedBy: org?.proposedBy ?? null,
    proposedAt: org?.proposedAt ?? (a?.by === 'patient' ? a.at : null),
    approvedBy: org?.approvedBy ?? null,
    approvedAt: org?.approvedAt ?? null,
    endedAt: d.endedAt ?? null,
  };
}

/** Most delegations one listing returns (TOO_LARGE beyond: a patient or an org with more is paged by an operator, not a door). */
export const MAX_DELEGATIONS = 10_000;

/** Oldest first: by the height the record was written at, then by id. */
function byAge(a: DelegateRecord, b: DelegateRecord): number {
  return a.since - b.since || (a.delegateId < b.delegateId ? -1 : a.delegateId > b.delegateId ? 1 : 0);
}

/** Every delegate of a patient (pending, active and ended), in the order they were added or proposed. */
export function delegationsOfPatient(state: StateReader, scan: StateScan, pseudonym: string, nowIso: string): DelegationView[] {
  return delegatesOf(scan, pseudonym, MAX_DELEGATIONS)
    .sort(byAge)
    .map((d) => delegationView(state, d, nowIso));
}

/** Every delegate an organisation proposed or appointed (pending, active and ended), in proposal order. */
export function appointmentsOfOrg(state: StateReader, scan: StateScan, orgId: string, nowIso: string): DelegationView[] {
  return getOrgDelegationRefs(scan, orgId, MAX_DELEGATIONS)
    .flatMap((ref) => {
      const d = getDelegate(state, ref.pseudonym, ref.delegateId);
      return d === undefined ? [] : [d];
    })
    .sort(byAge)
    .map((d) => delegationView(state, d, nowIso));
}

export { delegateMay } from './keys.js';
