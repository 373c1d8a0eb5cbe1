// Who may read what (ARCHITECTURE sections 1.2 and 5); writes are in
// write-policy.ts. Reads of a patient's data: the patient, an active
// delegate, or a member permitted by consent.decide (prepared once per
// patient), or a practitioner of the custodian organisation breaking the
// glass (purpose ETREAT/BTG with a reason): flagged on the access event and
// queued for the privacy officer, and it releases labelled records too.
// Decisions use the wall clock, so an expired grant or delegation denies at
// once rather than at the next block.
import { BREAK_GLASS_PURPOSES } from '../../contracts/access/index.js';
import { type DecisionMemo, type Decider } from '../../contracts/consent/index.js';
import { custodianOf, delegateMay, isActiveMember, patientStatus } from '../../contracts/identity/index.js';
import { type LedgerPort } from '../../ledger/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { RequestContext } from '../types.js';

/**
 * Throws unless the patient is registered here (custodian = this org) and not
 * erased. A patient of another custodian (or self-enrolled) gets the answer
 * of an unknown pseudonym: the registry route hides them from practitioners too.
 */
export function requireCustodialPatient(port: LedgerPort, pseudonym: string): void {
  if (custodianOf(port.state, pseudonym) !== port.orgId) {
    throw new CareLedgerError('UNPROCESSABLE', 'the referenced patient is not registered at this custodian (identity/register-patient)', {
      field: 'patient',
    });
  }
  if (patientStatus(port.state, pseudonym) === 'erased') throw new CareLedgerError('GONE', 'patient data has been erased', { field: 'patient' });
}

/** Outcome of an access check for one resource. */
export interface Verdict {
  permit: boolean;
  consentIds: string[];
}

/** Decides reads of one patient's resources for one request; built once per patient. */
export type PatientGate = (resourceType: string, labels: readonly string[]) => Verdict;

export interface ReadAccess {
  /** The gate for a patient's compartment (patient status already checked). */
  gate(pseudonym: string): PatientGate;
  /** Set when the request is a break-glass access. */
  breakGlass: { reason: string } | undefined;
  /** Only this patient's compartment is visible (patient and delegate actors). */
  onlyPatient: string | undefined;
  /** The wall-clock instant the decision used; also the access events' time. */
  at: string;
}

const PERMIT: Verdict = { permit: true, consentIds: [] };
const DENY: Verdict = { permit: false, consentIds: [] };

/**
 * Prepares the read policy of a request (scope checked by the caller); the
 * memo keeps each (patient, requester) grant selection while consent state is
 * unchanged.
 */
export function readAccess(ctx: RequestContext, port: LedgerPort, memo: DecisionMemo): ReadAccess {
  const actor = ctx.actor;
  const now = port.now();
  if (actor.kind === 'patient' || actor.kind === 'delegate') {
    const own = actor.pseudonym;
    const ok = actor.kind === 'patient' || delegateMay(port.state, own, actor.delegateId, 'read', now);
    return { gate: (p) => (ok && p === own ? () => PERMIT : () => DENY), breakGlass: undefined, onlyPatient: own, at: now };
  }
  const breakGlass = breakGlassOf(ctx);
  if (breakGlass !== undefined && actor.orgId !== port.orgId) {
    // Finding 11: the glass is the custodian's; a member of another organisation asks through consent or the exchange.
    throw new CareLedgerError('FORBIDDEN', 'only practitioners of the custodian organisation may break the glass', { field: 'breakGlassReason' });
  }
  if (breakGlass !== undefined && isActiveMember(port.state, actor.orgId, actor.memberId)) {
    return { gate: () => () => PERMIT, breakGlass, onlyPatient: undefined, at: now };
  }
  if (ctx.purpose === 'BTG') {
    throw new CareLedgerError('FORBIDDEN', 'purpose BTG needs a break-glass reason from an active practitioner', { field: 'purpose' });
  }
  const gates = new Map<string, PatientGate>();
  return {
    gate: (pseudonym) => {
      let g = gates.get(pseudonym);
      if (g === undefined) {
        const decider: Decider = memo.prepare(
          port.state,
          { patient: pseudonym, requester: { orgId: actor.orgId, memberId: actor.memberId }, action: 'access', purpose: ctx.purpose },
          now,
        );
        g = (resourceType, labels) => {
          const d = decider({ resourceType, securityLabels: labels });
          return { permit: d.decision === 'permit', consentIds: d.consentIds };
        };
        gates.set(pseudonym, g);
      }
      return g;
    },
    breakGlass: undefined,
    onlyPatient: undefined,
    at: now,
  };
}

const BREAK_GLASS_REASON = /^\P{Cc}{1,500}$/u;

/**
 * The break-glass claim of a request: a reason, purpose ETREAT or BTG, and an
 * actor holding the practitioner role. A malformed reason is refused
 * (UNPROCESSABLE): it lands on the ledger as one line of at most 500
 * characters and must not carry health data.
 */
export function breakGlassOf(ctx: RequestContext): { reason: string } | undefined {
  const reason = ctx.breakGlassReason;
  if (reason === undefined) return undefined;
  if (!BREAK_GLASS_REASON.test(reason) || reason.trim() === '') {
    throw new CareLedgerError('UNPROCESSABLE', 'break-glass reason must be one non-blank line of at most 500 characters', {
      field: 'breakGlassReason',
    });
  }
  if (!BREAK_GLASS_PURPOSES.includes(ctx.purpose)) return undefined;
  if (ctx.actor.kind !== 'member' || !ctx.actor.roles.includes('practitioner')) return undefined;
  return { reason };
}

/** Non-patient resources (Practitioner, Organization, ...): any active member, patient or delegate with scope. */
export function mayReadShared(ctx: RequestContext, port: LedgerPort): boolean {
  const a = ctx.actor;
  if (a.kind === 'member') return isActiveMember(port.state, a.orgId, a.memberId);
  return true;
}
