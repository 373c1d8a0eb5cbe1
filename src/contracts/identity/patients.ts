// identity/register-patient, add-delegate, remove-delegate: patients are a
// random-looking pseudonym plus keys, registered by a custodian organisation or
// self-enrolled; delegates (guardian, proxy) act for them.
import { z } from 'zod';
import { defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { actsForPatient, isAdminOrPractitioner } from './authority.js';
import { delegateIdForTx, delegateIdSchema, keyListSchema, pseudonymForTx, pseudonymSchema, shortTextSchema, timestampSchema } from './ids.js';
import {
  addPatientDelegate,
  firstRegistered,
  getDelegate,
  getKey,
  getPatient,
  putDelegate,
  putKey,
  putPatient,
  revokeKey,
  type DelegateRecord,
  type PatientRecord,
} from './records.js';

/** Custodian org id (string), null for self-enrolment, or a refusal. */
function enrolmentCustodian(ctx: ExecContext, keys: readonly string[]): string | null | Refusal {
  const signer = getKey(ctx.state, ctx.signer);
  if (signer === undefined) {
    // Self-enrolment: the unregistered signer proves possession of the one key it registers.
    return keys.length === 1 && keys[0] === ctx.signer ? null : refuse('UNAUTHORIZED', 'self-enrolment must register exactly the signing key');
  }
  if (signer.status !== 'active') return refuse('REVOKED_SIGNER');
  if (!isAdminOrPractitioner(ctx.state, signer, signer.org)) return refuse('UNAUTHORIZED', 'signer is not a practitioner or org admin');
  return signer.org;
}

const isRefusal = (v: string | null | Refusal): v is Refusal => v !== null && typeof v === 'object';

/**
 * Signer 'any': either a practitioner or org admin of an active org (custodian =
 * that org) or an unregistered key enrolling itself (args.keys = [signer],
 * custodian null). Pseudonym = pseudonymForTx(txId). ALREADY_EXISTS if a key
 * is registered anywhere.
 */
export const registerPatient = defineAction({
  args: z.strictObject({ keys: keyListSchema }),
  signer: 'any',
  authorize(ctx, args) {
    const custodian = enrolmentCustodian(ctx, args.keys);
    if (isRefusal(custodian)) return custodian;
    const taken = firstRegistered(ctx.state, args.keys);
    if (taken !== undefined) return refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
    if (getPatient(ctx.state, pseudonymForTx(ctx.txId)) !== undefined) return refuse('ALREADY_EXISTS', 'pseudonym exists');
    return undefined;
  },
  apply(ctx, args) {
    const custodian = enrolmentCustodian(ctx, args.keys);
    if (isRefusal(custodian)) return custodian;
    const pseudonym = pseudonymForTx(ctx.txId);
    const patient: PatientRecord = { pseudonym, keys: [...args.keys], custodian, status: 'active', since: ctx.height };
    putPatient(ctx.state, patient);
    for (const k of args.keys) {
      putKey(ctx.state, k, { kind: 'patient', org: null, owner: pseudonym, roles: [], status: 'active', since: ctx.height });
    }
    ctx.emit('patient-registered', { pseudonym, custodian });
    return undefined;
  },
});

/** The active patient the signer acts for, or a refusal (NOT_FOUND, GONE, UNAUTHORIZED). */
function patientActedFor(ctx: ExecContext, pseudonym: string): PatientRecord | Refusal {
  const patient = getPatient(ctx.state, pseudonym);
  if (patient === undefined) return refuse('NOT_FOUND', 'no such patient');
  if (patient.status !== 'active') return refuse('GONE', 'patient is erased');
  return actsForPatient(ctx, patient) ? patient : refuse('UNAUTHORIZED', 'signer does not act for this patient');
}

const isPatient = (v: PatientRecord | Refusal): v is PatientRecord => 'pseudonym' in v;

/**
 * Signer: an active key of the patient, or an org admin or practitioner of the
 * patient's custodian org. Delegate id = delegateIdForTx(txId). RULE_VIOLATION
 * if validUntil is not after block time; ALREADY_EXISTS if a key is registered.
 */
export const addDelegate = defineAction({
  args: z.strictObject({
    pseudonym: pseudonymSchema,
    relationship: z.enum(['guardian', 'proxy']),
    keys: keyListSchema,
    validUntil: timestampSchema.optional(),
  }),
  authorize(ctx, args) {
    const patient = patientActedFor(ctx, args.pseudonym);
    if (!isPatient(patient)) return patient;
    if (args.validUntil !== undefined && Date.parse(args.validUntil) <= Date.parse(ctx.blockTime)) {
      return refuse('RULE_VIOLATION', 'validUntil is not after block time');
    }
    const taken = firstRegistered(ctx.state, args.keys);
    if (taken !== undefined) return refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
    if (getDelegate(ctx.state, args.pseudonym, delegateIdForTx(ctx.txId)) !== undefined) return refuse('ALREADY_EXISTS', 'delegate exists');
    return undefined;
  },
  apply(ctx, args) {
    const delegateId = delegateIdForTx(ctx.txId);
    const delegate: DelegateRecord = {
      pseudonym: args.pseudonym,
      delegateId,
      relationship: args.relationship,
      keys: [...args.keys],
      status: 'active',
      ...(args.validUntil === undefined ? {} : { validUntil: args.validUntil }),
      since: ctx.height,
    };
    putDelegate(ctx.state, delegate);
    addPatientDelegate(ctx.state, args.pseudonym, delegateId);
    for (const k of args.keys) {
      putKey(ctx.state, k, {
        kind: 'delegate',
        org: null,
        owner: delegateId,
        roles: [],
        status: 'active',
        since: ctx.height,
        patient: args.pseudonym,
      });
    }
    ctx.emit('delegate-added', { pseudonym: args.pseudonym, delegateId, relationship: args.relationship });
    return undefined;
  },
});

/**
 * Signer: as for add-delegate, or a key of the delegate itself (withdrawal).
 * Status 'removed' and every key of the delegate revoked. CONFLICT if already removed.
 */
export const removeDelegate = defineAction({
  args: z.strictObject({ pseudonym: pseudonymSchema, delegateId: delegateIdSchema, reason: shortTextSchema.optional() }),
  authorize(ctx, args) {
    const delegate = getDelegate(ctx.state, args.pseudonym, args.delegateId);
    if (delegate === undefined) return refuse('NOT_FOUND', 'no such delegate');
    const self = getKey(ctx.state, ctx.signer);
    const bySelf = self?.kind === 'delegate' && self.status === 'active' && self.owner === args.delegateId;
    if (!bySelf) {
      const patient = patientActedFor(ctx, args.pseudonym);
      if (!isPatient(patient)) return patient;
    }
    return delegate.status === 'active' ? undefined : refuse('CONFLICT', 'delegate already removed');
  },
  apply(ctx, args) {
    const delegate = getDelegate(ctx.state, args.pseudonym, args.delegateId);
    if (delegate === undefined) return refuse('NOT_FOUND', 'no such delegate');
    putDelegate(ctx.state, { ...delegate, status: 'removed' });
    for (const k of delegate.keys) revokeKey(ctx.state, k, ctx.height);
    ctx.emit('delegate-removed', { pseudonym: args.pseudonym, delegateId: args.delegateId });
    return undefined;
  },
});
