// identity/register-patient: patients are a random-looking pseudonym plus
// keys, registered by a custodian organisation or self-enrolled. Delegates who
// act for them are in delegates.ts and appointments.ts.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { isAdminOrPractitioner } from './authority.js';
import { keyListSchema, pseudonymForTx } from './ids.js';
import { firstRegistered, getKey, getPatient, putKey, putPatient, type PatientRecord } from './records.js';

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
    return allow({ custodian });
  },
  apply(ctx, args, { custodian }) {
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
