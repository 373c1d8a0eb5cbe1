// Authority rules of the identity contract: who acts for an organisation, for
// a patient, and who may rotate or revoke a given key.
import { refuse, type ExecContext, type KeyRecord, type Refusal, type StateReader } from '../../ledger/contract.js';
import { getDelegate, getKey, isDelegateActive, isOrgActive, type PatientRecord } from './records.js';

/**
 * An org admin for identity purposes: an active org-admin key, or an active
 * member key holding the 'org-admin' role, of the given org, which is active.
 */
export function isOrgAdmin(reader: StateReader, key: KeyRecord | undefined, orgId: string | null): boolean {
  if (key === undefined || key.status !== 'active' || orgId === null || key.org !== orgId) return false;
  const admin = key.kind === 'org-admin' || (key.kind === 'member' && key.roles.includes('org-admin'));
  return admin && isOrgActive(reader, orgId);
}

/** An org admin or an active practitioner member of the given (active) org. */
export function isAdminOrPractitioner(reader: StateReader, key: KeyRecord | undefined, orgId: string | null): boolean {
  if (isOrgAdmin(reader, key, orgId)) return true;
  return (
    key !== undefined &&
    key.status === 'active' &&
    key.kind === 'member' &&
    key.org === orgId &&
    key.roles.includes('practitioner') &&
    isOrgActive(reader, orgId)
  );
}

/** The signer's active registry entry, read from state (also for signer:'any' actions). */
export function activeSignerKey(ctx: ExecContext): KeyRecord | undefined {
  const key = getKey(ctx.state, ctx.signer);
  return key?.status === 'active' ? key : undefined;
}

/** An active delegate key of `pseudonym` whose delegate record is active and unexpired. */
export function isActingDelegate(ctx: ExecContext, key: KeyRecord | undefined, pseudonym: string): boolean {
  if (key?.kind !== 'delegate' || key.status !== 'active' || key['patient'] !== pseudonym) return false;
  return isDelegateActive(getDelegate(ctx.state, pseudonym, key.owner), ctx.blockTime);
}

/** The signer acts for the patient: one of its active keys, or the custodian's admin or practitioner. */
export function actsForPatient(ctx: ExecContext, patient: PatientRecord): boolean {
  const key = activeSignerKey(ctx);
  if (key?.kind === 'patient' && key.owner === patient.pseudonym) return true;
  return patient.custodian !== null && isAdminOrPractitioner(ctx.state, key, patient.custodian);
}

/**
 * May the signer rotate or revoke `target`? The key itself always may. Org
 * keys: an org-admin key of the same org (member keys: any org admin of it).
 * Patient keys: another active key of the patient or an acting delegate.
 * Delegate keys: another key of the same delegate or an active patient key.
 */
export function authorizeKeyChange(ctx: ExecContext, targetId: string, target: KeyRecord): Refusal | undefined {
  if (ctx.signer === targetId) return undefined;
  const signer = activeSignerKey(ctx);
  let allowed = false;
  switch (target.kind) {
    case 'org-admin':
    case 'node':
      allowed = signer?.kind === 'org-admin' && isOrgAdmin(ctx.state, signer, target.org);
      break;
    case 'member':
      allowed = isOrgAdmin(ctx.state, signer, target.org);
      break;
    case 'patient':
      allowed = (signer?.kind === 'patient' && signer.owner === target.owner) || isActingDelegate(ctx, signer, target.owner);
      break;
    case 'delegate': {
      const pseudonym = target['patient'];
      allowed =
        (signer?.kind === 'delegate' && signer.owner === target.owner) ||
        (signer?.kind === 'patient' && typeof pseudonym === 'string' && signer.owner === pseudonym);
      break;
    }
  }
  return allowed ? undefined : refuse('UNAUTHORIZED', 'signer may not manage this key');
}
