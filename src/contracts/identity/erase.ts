// identity/erase-patient: the ledger side of GDPR Art. 17 erasure. The
// custodian crypto-shreds the data off-ledger (ARCHITECTURE sections 1.6 and
// 6); on the ledger the pseudonym is marked erased, which other contracts read
// (records and consent refuse new writes with GONE), and every key that could
// still act for the patient is revoked.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { activeSignerKey, isActingDelegate } from './authority.js';
import { pseudonymSchema } from './ids.js';
import { delegatesOf, getPatient, putDelegate, putPatient, revokeKey, type PatientRecord } from './records.js';

/**
 * The active patient the signer may erase: one of its active keys, or a
 * delegate whose delegation is active at block time and grants 'erase'.
 * NOT_FOUND unknown patient, GONE already erased, UNAUTHORIZED otherwise.
 */
function erasable(ctx: ExecContext, pseudonym: string): PatientRecord | Refusal {
  const patient = getPatient(ctx.state, pseudonym);
  if (patient === undefined) return refuse('NOT_FOUND', 'no such patient');
  if (patient.status === 'erased') return refuse('GONE', 'patient is already erased');
  const key = activeSignerKey(ctx);
  if (key?.kind === 'patient' && key.owner === pseudonym) return patient;
  if (isActingDelegate(ctx, key, pseudonym, 'erase')) return patient;
  return refuse('UNAUTHORIZED', "only the patient or a delegate with the 'erase' power may erase the patient");
}

const isPatient = (v: PatientRecord | Refusal): v is PatientRecord => 'pseudonym' in v;

/**
 * Sets status 'erased' and erasedAt (block time) on the patient, revokes the
 * patient's keys and every key of its delegates, and marks active delegates
 * 'removed' and pending appointments 'rejected'. Key lists are kept as the record of which keys were held; they
 * are public key ids, not personal data about the patient's health.
 */
export const erasePatient = defineAction({
  args: z.strictObject({ pseudonym: pseudonymSchema }),
  authorize(ctx, args) {
    const patient = erasable(ctx, args.pseudonym);
    return isPatient(patient) ? allow(patient) : patient;
  },
  apply(ctx, args, patient) {
    putPatient(ctx.state, { ...patient, status: 'erased', erasedAt: ctx.blockTime });
    for (const k of patient.keys) revokeKey(ctx.state, k, ctx.height);
    for (const delegate of delegatesOf(ctx.state.scan.bind(ctx.state), args.pseudonym)) {
      for (const k of delegate.keys) revokeKey(ctx.state, k, ctx.height);
      if (delegate.status === 'active' || delegate.status === 'pending') {
        putDelegate(ctx.state, { ...delegate, status: delegate.status === 'active' ? 'removed' : 'rejected', endedAt: ctx.blockTime, endedBy: ctx.signer });
      }
    }
    ctx.emit('patient-erased', { pseudonym: args.pseudonym });
    return undefined;
  },
});
