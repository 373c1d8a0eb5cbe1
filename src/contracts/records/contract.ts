// The records contract (ARCHITECTURE section 5): `anchor` writes on-ledger
// anchors of off-ledger record versions held in the custodian's vault. A
// receiver checks every record it is sent against the anchored commitment.
// The whole transaction is refused at the first anchor that breaks a rule.
import { allow, refuse, defineAction, type Contract, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { anchorArgsSchema, type Anchor } from './schema.js';
import { RECORDS_CONTRACT } from './keys.js';
import {
  RECORDS_NAMESPACE,
  custodianOf,
  getRecord,
  patientStatus,
  recordKey,
  versionKey,
  type AnchoredVersion,
  type RecordAnchor,
} from './state.js';

export { RECORDS_CONTRACT };

/**
 * Rules for one anchor, in order: patient known (NOT_FOUND) and not erased
 * (GONE); version 1 only for a new record id (ALREADY_EXISTS); version n > 1
 * only for a known record (NOT_FOUND) of the signer's org (UNAUTHORIZED) with
 * the same patient and resource type (CONFLICT), whose latest is n-1
 * (CONFLICT) and, for a delete, that is not already deleted (CONFLICT).
 */
export function checkAnchor(ctx: ExecContext, custodian: string, anchor: Anchor): Refusal | undefined {
  const at = `anchor ${anchor.recordId}`;
  const status = patientStatus(ctx.state, anchor.patient);
  if (status === undefined) return refuse('NOT_FOUND', `${at}: unknown patient`);
  if (status !== 'active') return refuse('GONE', `${at}: patient is erased`);
  const head = getRecord(ctx.state, anchor.recordId);
  if (anchor.version === 1) return head === undefined ? undefined : refuse('ALREADY_EXISTS', `${at}: record exists`);
  if (head === undefined) return refuse('NOT_FOUND', `${at}: no such record`);
  if (head.custodian !== custodian) return refuse('UNAUTHORIZED', `${at}: record is held by another custodian`);
  if (head.patient !== anchor.patient) return refuse('CONFLICT', `${at}: patient differs from the record's`);
  if (head.resourceType !== anchor.resourceType) return refuse('CONFLICT', `${at}: resource type differs from the record's`);
  if (head.latest !== anchor.version - 1) return refuse('CONFLICT', `${at}: latest version is ${head.latest}`);
  if (anchor.op === 'delete' && head.deleted) return refuse('CONFLICT', `${at}: record is already deleted`);
  return undefined;
}

const anchor = defineAction({
  args: anchorArgsSchema,
  authorize(ctx) {
    const custodian = custodianOf(ctx);
    return typeof custodian === 'string' ? allow(custodian) : custodian;
  },
  apply(ctx, args, custodian) {
    // Record ids are unique within the transaction (schema), so checking each
    // against state before any write is the same as checking after earlier writes.
    for (const a of args.anchors) {
      const bad = checkAnchor(ctx, custodian, a);
      if (bad !== undefined) return bad;
    }
    for (const a of args.anchors) {
      const head: RecordAnchor = {
        recordId: a.recordId,
        patient: a.patient,
        custodian,
        resourceType: a.resourceType,
        latest: a.version,
        deleted: a.op === 'delete',
        updatedAt: ctx.blockTime,
      };
      const version: AnchoredVersion = { commitment: a.commitment, op: a.op, at: ctx.blockTime, txId: ctx.txId };
      ctx.state.put(RECORDS_NAMESPACE, recordKey(a.recordId), head);
      ctx.state.put(RECORDS_NAMESPACE, versionKey(a.recordId, a.version), version);
    }
    ctx.emit('anchored', { count: args.anchors.length, custodian });
    return undefined;
  },
});

/** The records contract, version 1. */
export const recordsContract: Contract = {
  name: RECORDS_CONTRACT,
  version: 1,
  actions: { anchor },
};
