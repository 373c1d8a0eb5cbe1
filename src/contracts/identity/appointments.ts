// identity/propose-delegate, approve-delegate, reject-delegate: an
// organisation appoints a delegate for a patient in its custody (a minor, an
// incapacitated patient) only with two people, each signing their own
// transaction: a member holding org-admin and a member holding
// privacy-officer, never the same member or key, with a stated legal basis.
// The proposal is a pending delegate record; its keys are registered only on
// approval, so nothing can act on a proposal alone.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { appointerOf, appointingMember } from './authority.js';
import { activePatient, checkNewDelegate, isPatient, registerDelegateKeys, relationshipSchema } from './delegates.js';
import { DEFAULT_POWERS, legalBasisSchema, powersSchema, type Appointment, type AppointingRole } from './delegation.js';
import { delegateIdForTx, delegateIdSchema, keyListSchema, pseudonymSchema, shortTextSchema, timestampSchema } from './ids.js';
import { addOrgDelegation, firstRegistered, getDelegate, putDelegate, type DelegateRecord } from './records.js';
import { delegationStatus } from './status.js';

const proposeArgs = z.strictObject({
  pseudonym: pseudonymSchema,
  relationship: relationshipSchema,
  keys: keyListSchema,
  powers: powersSchema.optional(),
  legalBasis: legalBasisSchema,
  /** Where the legal basis is documented (order number, file reference): one line, never health data. */
  reference: shortTextSchema,
  validUntil: timestampSchema.optional(),
});

type ProposeArgs = z.infer<typeof proposeArgs>;

/** The proposer's member id and the role it proposes in (org-admin if it holds both), or a refusal. */
function proposer(ctx: ExecContext, args: ProposeArgs): { orgId: string; memberId: string; role: AppointingRole } | Refusal {
  const patient = activePatient(ctx, args.pseudonym);
  if (!isPatient(patient)) return patient;
  const orgId = patient.custodian;
  const member = orgId === null ? undefined : appointingMember(ctx, orgId);
  if (orgId === null || member === undefined || member.roles[0] === undefined) {
    return refuse('UNAUTHORIZED', "only an org-admin or privacy-officer member of the patient's custodian proposes a delegate");
  }
  return { orgId, memberId: member.memberId, role: member.roles[0] };
}

const isProposer = (v: { orgId: string } | Refusal): v is { orgId: string; memberId: string; role: AppointingRole } => 'orgId' in v;

/**
 * Signer: an active member of the patient's custodian org holding org-admin
 * or privacy-officer (org-admin keys do not count: they are not a person).
 * Writes a 'pending' delegate (id delegateIdForTx(txId)) indexed under the
 * patient and the org; no key is registered yet. NOT_FOUND / GONE patient,
 * UNAUTHORIZED signer, RULE_VIOLATION validUntil, ALREADY_EXISTS key.
 */
export const proposeDelegate = defineAction({
  args: proposeArgs,
  authorize(ctx, args) {
    const p = proposer(ctx, args);
    if (!isProposer(p)) return p;
    return checkNewDelegate(ctx, args.pseudonym, args.keys, args.validUntil) ?? allow(p);
  },
  apply(ctx, args, p) {
    const appointment: Appointment = {
      by: 'org',
      orgId: p.orgId,
      legalBasis: args.legalBasis,
      reference: args.reference,
      proposedBy: appointerOf(ctx, p.memberId, p.role),
      proposedAt: ctx.blockTime,
    };
    const delegate: DelegateRecord = {
      pseudonym: args.pseudonym,
      delegateId: delegateIdForTx(ctx.txId),
      relationship: args.relationship,
      keys: [...args.keys],
      status: 'pending',
      ...(args.validUntil === undefined ? {} : { validUntil: args.validUntil }),
      since: ctx.height,
      powers: [...(args.powers ?? DEFAULT_POWERS)],
      appointment,
    };
    putDelegate(ctx.state, delegate);
    addOrgDelegation(ctx.state, p.orgId, { pseudonym: args.pseudonym, delegateId: delegate.delegateId });
    ctx.emit('delegate-proposed', { pseudonym: args.pseudonym, delegateId: delegate.delegateId, orgId: p.orgId });
    return undefined;
  },
});

const refArgs = z.strictObject({ pseudonym: pseudonymSchema, delegateId: delegateIdSchema });

/** The org appointment named by args, or NOT_FOUND (also for a patient's own delegate). */
function orgAppointment(ctx: ExecContext, pseudonym: string, delegateId: string): { delegate: DelegateRecord; orgId: string } | Refusal {
  const delegate = getDelegate(ctx.state, pseudonym, delegateId);
  const a = delegate?.appointment;
  if (delegate === undefined || a?.by !== 'org') return refuse('NOT_FOUND', 'no such appointment');
  return { delegate, orgId: a.orgId };
}

const isAppointment = (v: { delegate: DelegateRecord } | Refusal): v is { delegate: DelegateRecord; orgId: string } => 'delegate' in v;

/** The approved record, or a refusal: see approveDelegate. */
function approval(ctx: ExecContext, args: z.infer<typeof refArgs>): DelegateRecord | Refusal {
  const found = orgAppointment(ctx, args.pseudonym, args.delegateId);
  if (!isAppointment(found)) return found;
  const { delegate, orgId } = found;
  const a = delegate.appointment;
  if (a?.by !== 'org') return refuse('NOT_FOUND', 'no such appointment');
  const member = appointingMember(ctx, orgId);
  const role: AppointingRole = a.proposedBy.role === 'org-admin' ? 'privacy-officer' : 'org-admin';
  if (member === undefined || !member.roles.includes(role)) return refuse('UNAUTHORIZED', `approval needs a ${role} member of the appointing org`);
  if (member.memberId === a.proposedBy.memberId || ctx.signer === a.proposedBy.keyId) {
    return refuse('UNAUTHORIZED', 'the approver must be another person than the proposer');
  }
  if (delegate.status !== 'pending') return refuse('CONFLICT', 'appointment is not pending');
  const status = delegationStatus(ctx.state, delegate, ctx.blockTime);
  if (status.status !== 'pending') return refuse('CONFLICT', `appointment has ended (${status.status === 'ended' ? status.reason : status.status})`);
  const taken = firstRegistered(ctx.state, delegate.keys);
  if (taken !== undefined) return refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
  return {
    ...delegate,
    status: 'active',
    appointment: { ...a, approvedBy: appointerOf(ctx, member.memberId, role), approvedAt: ctx.blockTime },
  };
}

const isDelegate = (v: DelegateRecord | Refusal): v is DelegateRecord => 'delegateId' in v;

/**
 * Signer: an active member of the appointing org holding the other role
 * (privacy-officer if an org-admin proposed, and vice versa), not the
 * proposing member or key. Activates the delegate and registers its keys.
 * NOT_FOUND no such org appointment, UNAUTHORIZED wrong role or same person,
 * CONFLICT not pending or ended meanwhile (expired, proposer gone, patient
 * erased), ALREADY_EXISTS a key was registered meanwhile.
 */
export const approveDelegate = defineAction({
  args: refArgs,
  authorize(ctx, args) {
    const d = approval(ctx, args);
    return isDelegate(d) ? allow(d) : d;
  },
  apply(ctx, _args, d) {
    putDelegate(ctx.state, d);
    registerDelegateKeys(ctx, d);
    ctx.emit('delegate-approved', { pseudonym: d.pseudonym, delegateId: d.delegateId, orgId: d.appointment?.by === 'org' ? d.appointment.orgId : null });
    return undefined;
  },
});

/** The pending appointment the signer may reject, or a refusal: see rejectDelegate. */
function rejection(ctx: ExecContext, pseudonym: string, delegateId: string): { delegate: DelegateRecord; orgId: string } | Refusal {
  const found = orgAppointment(ctx, pseudonym, delegateId);
  if (!isAppointment(found)) return found;
  if (appointingMember(ctx, found.orgId) === undefined) return refuse('UNAUTHORIZED', 'only an org-admin or privacy-officer member of the appointing org');
  return found.delegate.status === 'pending' ? found : refuse('CONFLICT', 'appointment is not pending');
}

/**
 * Signer: an active org-admin or privacy-officer member of the appointing org
 * (the proposer withdrawing, or anyone of either role refusing). Status
 * 'rejected'. NOT_FOUND, UNAUTHORIZED, CONFLICT not pending.
 */
export const rejectDelegate = defineAction({
  args: refArgs.extend({ reason: shortTextSchema.optional() }).strict(),
  authorize(ctx, args) {
    const r = rejection(ctx, args.pseudonym, args.delegateId);
    return isAppointment(r) ? allow(r) : r;
  },
  apply(ctx, args, r) {
    putDelegate(ctx.state, { ...r.delegate, status: 'rejected', endedAt: ctx.blockTime, endedBy: ctx.signer });
    ctx.emit('delegate-rejected', { pseudonym: args.pseudonym, delegateId: args.delegateId, orgId: r.orgId });
    return undefined;
  },
});
