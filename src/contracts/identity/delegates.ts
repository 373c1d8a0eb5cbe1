// identity/add-delegate and remove-delegate: a patient appoints and removes
// its own delegates (guardian, proxy) with its own active key; a delegate may
// withdraw itself. Organisations appoint through propose/approve-delegate
// (appointments.ts) and may end what they appointed. Practitioners and org
// admins have no authority over a patient's delegates.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { activeSignerKey, appointingMember, isPatientSigner } from './authority.js';
import { DEFAULT_POWERS, powersSchema } from './delegation.js';
import { delegateIdForTx, delegateIdSchema, keyListSchema, pseudonymSchema, shortTextSchema, timestampSchema } from './ids.js';
import {
  firstRegistered,
  getDelegate,
  getPatient,
  putDelegate,
  putKey,
  revokeKey,
  type DelegateRecord,
  type PatientRecord,
} from './records.js';

export const relationshipSchema = z.enum(['guardian', 'proxy']);

/** The active patient, or NOT_FOUND / GONE. */
export function activePatient(ctx: ExecContext, pseudonym: string): PatientRecord | Refusal {
  const patient = getPatient(ctx.state, pseudonym);
  if (patient === undefined) return refuse('NOT_FOUND', 'no such patient');
  return patient.status === 'active' ? patient : refuse('GONE', 'patient is erased');
}

export const isPatient = (v: PatientRecord | Refusal): v is PatientRecord => 'pseudonym' in v;

/** Checks shared by every new delegate: validUntil after block time (RULE_VIOLATION), keys and id unused (ALREADY_EXISTS). */
export function checkNewDelegate(ctx: ExecContext, pseudonym: string, keys: readonly string[], validUntil: string | undefined): Refusal | undefined {
  if (validUntil !== undefined && Date.parse(validUntil) <= Date.parse(ctx.blockTime)) {
    return refuse('RULE_VIOLATION', 'validUntil is not after block time');
  }
  const taken = firstRegistered(ctx.state, keys);
  if (taken !== undefined) return refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
  if (getDelegate(ctx.state, pseudonym, delegateIdForTx(ctx.txId)) !== undefined) return refuse('ALREADY_EXISTS', 'delegate exists');
  return undefined;
}

/** Registers the delegate's keys (kind 'delegate', bound to the patient). */
export function registerDelegateKeys(ctx: ExecContext, delegate: DelegateRecord): void {
  for (const k of delegate.keys) {
    putKey(ctx.state, k, { kind: 'delegate', org: null, owner: delegate.delegateId, roles: [], status: 'active', since: ctx.height, patient: delegate.pseudonym });
  }
}

const addArgs = z.strictObject({
  pseudonym: pseudonymSchema,
  relationship: relationshipSchema,
  keys: keyListSchema,
  powers: powersSchema.optional(),
  validUntil: timestampSchema.optional(),
});

/** The patient the signer may add a delegate for: its own active key only. */
function ownPatient(ctx: ExecContext, pseudonym: string): PatientRecord | Refusal {
  const patient = activePatient(ctx, pseudonym);
  if (!isPatient(patient)) return patient;
  return isPatientSigner(ctx, pseudonym) ? patient : refuse('UNAUTHORIZED', 'only the patient adds its own delegates');
}

/**
 * Signer: an active key of the patient (nobody else; organisations use
 * propose-delegate). Delegate id = delegateIdForTx(txId); powers default to
 * ['read', 'manage-consent']. NOT_FOUND unknown patient, GONE erased,
 * UNAUTHORIZED any other signer, RULE_VIOLATION validUntil not after block
 * time, ALREADY_EXISTS a key is registered.
 */
export const addDelegate = defineAction({
  args: addArgs,
  authorize(ctx, args) {
    const patient = ownPatient(ctx, args.pseudonym);
    if (!isPatient(patient)) return patient;
    return checkNewDelegate(ctx, args.pseudonym, args.keys, args.validUntil);
  },
  apply(ctx, args) {
    const delegate: DelegateRecord = {
      pseudonym: args.pseudonym,
      delegateId: delegateIdForTx(ctx.txId),
      relationship: args.relationship,
      keys: [...args.keys],
      status: 'active',
      ...(args.validUntil === undefined ? {} : { validUntil: args.validUntil }),
      since: ctx.height,
      powers: [...(args.powers ?? DEFAULT_POWERS)],
      appointment: { by: 'patient', keyId: ctx.signer, at: ctx.blockTime },
    };
    putDelegate(ctx.state, delegate);
    registerDelegateKeys(ctx, delegate);
    ctx.emit('delegate-added', { pseudonym: args.pseudonym, delegateId: delegate.delegateId, relationship: args.relationship });
    return undefined;
  },
});

/**
 * Who may end an active delegation: the patient's active key, a key of the
 * delegate itself (withdrawal), or, for an organisation appointment, one
 * appointing member (org-admin or privacy-officer member) of that org: ending
 * a delegation needs one person, creating one needs two.
 */
function mayRemove(ctx: ExecContext, delegate: DelegateRecord): boolean {
  if (isPatientSigner(ctx, delegate.pseudonym)) return true;
  const key = activeSignerKey(ctx);
  if (key?.kind === 'delegate' && key.owner === delegate.delegateId && key['patient'] === delegate.pseudonym) return true;
  const a = delegate.appointment;
  return a?.by === 'org' && appointingMember(ctx, a.orgId) !== undefined;
}

/**
 * Signer: see mayRemove. Status 'removed' (endedAt, endedBy) and every key of
 * the delegate revoked. NOT_FOUND no such delegate, UNAUTHORIZED, CONFLICT
 * not active (a pending appointment is ended with reject-delegate).
 */
export const removeDelegate = defineAction({
  args: z.strictObject({ pseudonym: pseudonymSchema, delegateId: delegateIdSchema, reason: shortTextSchema.optional() }),
  authorize(ctx, args) {
    const delegate = getDelegate(ctx.state, args.pseudonym, args.delegateId);
    if (delegate === undefined) return refuse('NOT_FOUND', 'no such delegate');
    if (!mayRemove(ctx, delegate)) return refuse('UNAUTHORIZED', 'signer may not remove this delegate');
    return delegate.status === 'active' ? allow(delegate) : refuse('CONFLICT', 'delegate is not active');
  },
  apply(ctx, args, delegate) {
    putDelegate(ctx.state, { ...delegate, status: 'removed', endedAt: ctx.blockTime, endedBy: ctx.signer });
    for (const k of delegate.keys) revokeKey(ctx.state, k, ctx.height);
    ctx.emit('delegate-removed', { pseudonym: args.pseudonym, delegateId: args.delegateId });
    return undefined;
  },
});
