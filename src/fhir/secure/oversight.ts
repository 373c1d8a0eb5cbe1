// Who may oversee a patient's rights (HTTP-free, for the patient doors):
// the patient, a delegate of it holding one of the powers the request needs
// now, or an overseer (privacy officer, auditor, org admin) of the patient's
// custodian organisation. Anyone else, and an unknown pseudonym, get the same
// NOT_FOUND: the answer is no existence oracle.
import { custodianOf, delegateMay, patientRecord, type DelegatePower } from '../../contracts/identity/index.js';
import type { StateReader } from '../../ledger/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { Actor } from '../types.js';

/** Roles that oversee an organisation's patients (disclosures, consents, break-glass review). */
export const OVERSIGHT_ROLES: readonly string[] = ['privacy-officer', 'auditor', 'org-admin'];

/** A member holding one of the oversight roles. */
export function isOverseer(actor: Actor): boolean {
  return actor.kind === 'member' && actor.roles.some((r) => OVERSIGHT_ROLES.includes(r));
}

/** The patient, a delegate of it holding one of `powers` at `nowIso`, or an overseer of the patient's custodian organisation. */
export function mayOversee(state: StateReader, actor: Actor, pseudonym: string, powers: readonly DelegatePower[], nowIso: string): boolean {
  if (actor.kind === 'patient') return actor.pseudonym === pseudonym;
  if (actor.kind === 'delegate') {
    return actor.pseudonym === pseudonym && powers.some((power) => delegateMay(state, pseudonym, actor.delegateId, power, nowIso));
  }
  return custodianOf(state, pseudonym) === actor.orgId && isOverseer(actor);
}

/** NOT_FOUND unless the patient exists and `actor` may oversee it (an unknown pseudonym and a hidden one look the same). */
export function assertOversees(state: StateReader, actor: Actor, pseudonym: string, powers: readonly DelegatePower[], nowIso: string): void {
  if (patientRecord(state, pseudonym) === undefined || !mayOversee(state, actor, pseudonym, powers, nowIso)) {
    throw new CareLedgerError('NOT_FOUND', 'no such patient');
  }
}

/** FORBIDDEN unless `actor` is an overseer of `orgId` itself. */
export function assertOverseerOf(actor: Actor, orgId: string): asserts actor is Actor & { kind: 'member' } {
  if (actor.kind !== 'member' || actor.orgId !== orgId || !isOverseer(actor)) {
    throw new CareLedgerError('FORBIDDEN', "only the organisation's privacy officers, auditors and admins");
  }
}
