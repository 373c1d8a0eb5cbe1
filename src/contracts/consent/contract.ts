// The consent contract (ARCHITECTURE section 5): `grant` and `revoke`.
// Signed by the patient's own key or by a delegate of that patient whose
// delegation is active and grants 'manage-consent'. A grant's grantee and
// provision arrive sealed to the patient's custodian (sealed.ts): the
// contract, deterministic and keyless, checks authority, the patient, the
// active-grant cap and sizes, and stores the sealed body and its commitment
// under the patient's pseudonym with an index of active grants. The
// custodian opens and validates bodies (ConsentBook). Events carry ids only.
import { defineAction, refuse, type Contract, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { delegateMayManageConsent } from './delegation.js';
import { CONSENT_CONTRACT } from './keys.js';
import { revokeArgsSchema } from './schema.js';
import { sealedGrantArgsSchema, type SealedGrantArgs } from './sealed.js';
import {
  CONSENT_NAMESPACE,
  consentIdForTx,
  grantKey,
  indexKey,
  patientStatus,
  readIndex,
  readSealedGrant,
  toJson,
  type SealedConsentRecord,
} from './state.js';

export { CONSENT_CONTRACT };
/**
 * Active grants one patient may hold at once. Bounds decide's work per
 * request. The contract cannot see periods (they are sealed), so a grant
 * leaves the index when it is revoked, not when its period ends.
 */
export const MAX_ACTIVE_GRANTS = 128;

/**
 * Authority over a patient's consents: the patient's own active key, or an
 * active delegate key of that patient whose delegation is active at block
 * time and grants 'manage-consent' (delegateMayManageConsent: end date,
 * appointer's authority, patient active).
 */
export function authorizePatientSigner(ctx: ExecContext, patient: string): Refusal | undefined {
  const key = ctx.signerKey;
  if (key === undefined || key.status !== 'active') return refuse('UNAUTHORIZED', 'signer is not a registered active key');
  if (key.kind === 'patient') {
    return key.owner === patient ? undefined : refuse('UNAUTHORIZED', 'signer is not this patient');
  }
  if (key.kind === 'delegate') {
    if (key['patient'] !== patient) return refuse('UNAUTHORIZED', 'signer is not a delegate of this patient');
    if (!delegateMayManageConsent(ctx.state, patient, key.owner, ctx.signer, ctx.blockTime)) {
      return refuse('UNAUTHORIZED', "delegation is not active or lacks 'manage-consent'");
    }
    return undefined;
  }
  return refuse('UNAUTHORIZED', 'only the patient or a delegate may manage consents');
}

function checkPatient(ctx: ExecContext, patient: string): Refusal | undefined {
  const status = patientStatus(ctx.state, patient);
  if (status === 'erased') return refuse('GONE', 'patient is erased');
  if (status !== 'active') return refuse('NOT_FOUND', 'unknown patient');
  return undefined;
}

/** Index ids still worth keeping: grants that exist and are active. */
function liveIndex(ctx: ExecContext, patient: string): string[] {
  return readIndex(ctx.state, patient).filter((id) => readSealedGrant(ctx.state, patient, id)?.status === 'active');
}

function applyGrant(ctx: ExecContext, grant: SealedGrantArgs): Refusal | undefined {
  const bad = checkPatient(ctx, grant.patient);
  if (bad) return bad;
  const consentId = consentIdForTx(ctx.txId);
  if (ctx.state.get(CONSENT_NAMESPACE, grantKey(grant.patient, consentId)) !== undefined) {
    return refuse('ALREADY_EXISTS', 'consent id already used');
  }
  const index = liveIndex(ctx, grant.patient);
  if (index.length >= MAX_ACTIVE_GRANTS) {
    return refuse('RULE_VIOLATION', `patient already holds ${MAX_ACTIVE_GRANTS} active consents`);
  }
  const record: SealedConsentRecord = {
    consentId,
    patient: grant.patient,
    sealed: { enc: grant.sealed.enc, ct: grant.sealed.ct },
    commitment: grant.commitment,
    status: 'active',
    grantedBy: ctx.signer,
    grantedAt: ctx.blockTime,
  };
  ctx.state.put(CONSENT_NAMESPACE, grantKey(grant.patient, consentId), toJson(record));
  ctx.state.put(CONSENT_NAMESPACE, indexKey(grant.patient), [...index, consentId]);
  ctx.emit('granted', { consentId, patient: grant.patient });
  return undefined;
}

const grant = defineAction({
  args: sealedGrantArgsSchema,
  authorize: (ctx, args) => authorizePatientSigner(ctx, args.patient),
  apply: applyGrant,
});

const revoke = defineAction({
  args: revokeArgsSchema,
  authorize: (ctx, args) => authorizePatientSigner(ctx, args.patient),
  apply: (ctx, args) => {
    const bad = checkPatient(ctx, args.patient);
    if (bad) return bad;
    const record = readSealedGrant(ctx.state, args.patient, args.consentId);
    if (record === undefined) return refuse('NOT_FOUND', 'unknown consent');
    if (record.status === 'revoked') return refuse('CONFLICT', 'consent already revoked');
    const revoked: SealedConsentRecord = { ...record, status: 'revoked', revokedAt: ctx.blockTime, revokedBy: ctx.signer };
    ctx.state.put(CONSENT_NAMESPACE, grantKey(args.patient, args.consentId), toJson(revoked));
    const index = readIndex(ctx.state, args.patient).filter((id) => id !== args.consentId);
    ctx.state.put(CONSENT_NAMESPACE, indexKey(args.patient), index);
    ctx.emit('revoked', { consentId: args.consentId, patient: args.patient });
    return undefined;
  },
});

/** The consent contract, version 1. */
export const consentContract: Contract = {
  name: CONSENT_CONTRACT,
  version: 1,
  actions: { grant, revoke },
};
