// The records contract's signer check. Its state layout and readers are
// records/keys.ts (re-exported here); what it reads of identity and
// governance comes from their keys.ts.
import { refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { isOrgActive } from '../governance/keys.js';
import { patientStatus } from '../identity/keys.js';

export {
  RECORDS_NAMESPACE,
  VERSION_KEY_WIDTH,
  RECORD_PREFIX,
  recordKey,
  versionKey,
  versionPrefix,
  getRecord,
  getVersion,
} from './keys.js';
export type { AnchorOp, RecordAnchor, AnchoredVersion } from './keys.js';
/** Identity's patient status: 'active', 'erased', or undefined for an unknown pseudonym. */
export { patientStatus };

/** The signer's org if it is an active node key of an active org (the custodian), else UNAUTHORIZED. */
export function custodianOf(ctx: ExecContext): string | Refusal {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) {
    return refuse('UNAUTHORIZED', 'signer is not an active node key');
  }
  return isOrgActive(ctx.state, key.org) ? key.org : refuse('UNAUTHORIZED', 'signer org is not active');
}
