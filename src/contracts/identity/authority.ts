// Authority rules of the identity contract: who acts for an organisation, for
// a patient, and who may rotate or revoke a given key. Only the patient (or a
// delegate whose active delegation grants the power) manages a patient's keys.
import { refuse, type ExecContext, type KeyRecord, type Refusal, type StateReader } from '../../ledger/contract.js';
import { APPOINTING_ROLES, type Appointer, type AppointingRole, type DelegatePower } from './delegation.js';
import { getDelegate, getKey, getMember, isOrgActive } from './records.js';
import { delegationGrants } from './status.js';

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

/** The signer is an active key of the patient itself. */
export function isPatientSigner(ctx: ExecContext, pseudonym: string): boolean {
  const key = activeSignerKey(ctx);
  return key?.kind === 'patient' && key.owner === pseudonym;
}

/**
 * An active delegate key of `pseudonym`, bound to its delegate record, whose
 * delegation is active at block time (delegationStatus) and grants `power`.
 */
export function isActingDelegate(ctx: ExecContext, key: KeyRecord | undefined, pseudonym: string, power: DelegatePower): boolean {
  if (key?.kind !== 'delegate' || key.status !== 'active' || key['patient'] !== pseudonym) return false;
  const delegate = getDelegate(ctx.state, pseudonym, key.owner);
  return delegate?.keys.includes(ctx.signer) === true && delegationGrants(ctx.state, delegate, ctx.blockTime, power);
}

/**
 * The signer as one of the two people of an org appointment: an active member
 * key of an active member of `orgId` holding org-admin or privacy-officer.
 * `roles` lists the appointing roles it holds (org-admin first). Org-admin
 * keys are the organisation's credential, not a person, so they never count.
 */
export function appointingMember(ctx: ExecContext, orgId: string): { memberId: string; roles: AppointingRole[] } | undefined {
  const key = activeSignerKey(ctx);
  if (key?.kind !== 'member' || key.org !== orgId || !isOrgActive(ctx.state, orgId)) return undefined;
  const member = getMember(ctx.state, orgId, key.owner);
  if (member?.status !== 'active' || !member.keys.includes(ctx.signer)) return undefined;
  const roles = APPOINTING_ROLES.filter((r) => member.roles.includes(r));
  return roles.length === 0 ? undefined : { memberId: member.memberId, roles };
}

/** The Appointer record of the signer acting in `role`. */
export function appointerOf(ctx: ExecContext, memberId: string, role: AppointingRole): Appointer {
  return { memberId, keyId: ctx.signer, role };
}

/**
 * May the signer rotate or revoke `target`? The key itself always may. Org
 * keys: an org-admin key of the same org (member keys: any org admin of it).
 * Patient keys: another active key of the patient, or a delegate whose
 * active delegation grants 'manage-keys'. Delegate keys: another key of the
 * same delegate, or an active key of its patient (the patient alone manages
 * who acts for it; a delegate with 'manage-keys' does not manage others).
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
      allowed = (signer?.kind === 'patient' && signer.owner === target.owner) || isActingDelegate(ctx, signer, target.owner, 'manage-keys');
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
