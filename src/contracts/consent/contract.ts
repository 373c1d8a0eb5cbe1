// The consent contract (ARCHITECTURE section 5): `grant`, `grant-fhir` and
// `revoke`. Signed by the patient's own key or by a delegate of that patient
// whose delegation is active and grants 'manage-consent'. Grants are stored under the patient's
// pseudonym with an index of active grants so `decide` does point lookups.
// Events carry ids only: never the provision (labels, purposes), which is
// health-related data.
import { defineAction, refuse, type Contract, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { isCareLedgerError } from '../../ledger/errors.js';
import { delegateMayManageConsent } from './delegation.js';
import { consentFromFhir } from './fhir-in.js';
import { consentGrantSchema, grantFhirArgsSchema, revokeArgsSchema, type ConsentGrant } from './schema.js';
import {
  CONSENT_NAMESPACE,
  consentIdForTx,
  grantKey,
  indexKey,
  isGranteeActive,
  patientStatus,
  readGrant,
  readIndex,
  toJson,
  type ConsentRecord,
} from './state.js';

export const CONSENT_CONTRACT = 'consent';
/**
 * Active grants one patient may hold at once. Bounds decide's work per
 * request; grants whose period has ended leave the index at the next grant.
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

/** Index ids still worth keeping: active grants whose period has not ended. */
function liveIndex(ctx: ExecContext, patient: string): string[] {
  return readIndex(ctx.state, patient).filter((id) => {
    const g = readGrant(ctx.state, patient, id);
    const end = g?.provision.period?.end;
    return g !== undefined && g.status === 'active' && (end === undefined || end > ctx.blockTime);
  });
}

function applyGrant(ctx: ExecContext, grant: ConsentGrant): Refusal | undefined {
  const bad = checkPatient(ctx, grant.patient);
  if (bad) return bad;
  if (!isGranteeActive(ctx.state, grant.grantee)) return refuse('NOT_FOUND', 'grantee is unknown or inactive');
  const end = grant.provision.period?.end;
  if (end !== undefined && end <= ctx.blockTime) return refuse('RULE_VIOLATION', 'consent period has already ended');

  const consentId = consentIdForTx(ctx.txId);
  if (ctx.state.get(CONSENT_NAMESPACE, grantKey(grant.patient, consentId)) !== undefined) {
    return refuse('ALREADY_EXISTS', 'consent id already used');
  }
  const index = liveIndex(ctx, grant.patient);
  if (index.length >= MAX_ACTIVE_GRANTS) {
    return refuse('RULE_VIOLATION', `patient already holds ${MAX_ACTIVE_GRANTS} active consents`);
  }
  const record: ConsentRecord = {
    consentId,
    patient: grant.patient,
    grantee: grant.grantee,
    provision: grant.provision,
    status: 'active',
    grantedBy: ctx.signer,
    grantedAt: ctx.blockTime,
  };
  ctx.state.put(CONSENT_NAMESPACE, grantKey(grant.patient, consentId), toJson(record));
  ctx.state.put(CONSENT_NAMESPACE, indexKey(grant.patient), [...index, consentId]);
  ctx.emit('granted', { consentId, patient: grant.patient });
  return undefined;
}

/** Translates a grant-fhir payload; a CareLedgerError becomes its refusal. */
function translate(resource: unknown): { grant: ConsentGrant } | { refusal: Refusal } {
  try {
    return { grant: consentFromFhir(resource) };
  } catch (e) {
    if (isCareLedgerError(e)) return { refusal: refuse(e.code, e.message) };
    throw e;
  }
}

const grant = defineAction({
  args: consentGrantSchema,
  authorize: (ctx, args) => authorizePatientSigner(ctx, args.patient),
  apply: applyGrant,
});

const grantFhir = defineAction({
  args: grantFhirArgsSchema,
  authorize: (ctx, args) => {
    const t = translate(args.consent);
    return 'refusal' in t ? t.refusal : authorizePatientSigner(ctx, t.grant.patient);
  },
  apply: (ctx, args) => {
    const t = translate(args.consent);
    return 'refusal' in t ? t.refusal : applyGrant(ctx, t.grant);
  },
});

const revoke = defineAction({
  args: revokeArgsSchema,
  authorize: (ctx, args) => authorizePatientSigner(ctx, args.patient),
  apply: (ctx, args) => {
    const bad = checkPatient(ctx, args.patient);
    if (bad) return bad;
    const record = readGrant(ctx.state, args.patient, args.consentId);
    if (record === undefined) return refuse('NOT_FOUND', 'unknown consent');
    if (record.status === 'revoked') return refuse('CONFLICT', 'consent already revoked');
    const revoked: ConsentRecord = { ...record, status: 'revoked', revokedAt: ctx.blockTime, revokedBy: ctx.signer };
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
  actions: { grant, 'grant-fhir': grantFhir, revoke },
};
