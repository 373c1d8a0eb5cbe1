// The one question consent asks of identity's delegations: may this delegate,
// signing with this key, manage the patient's consents at block time? It is
// identity's delegationStatus (identity/keys.ts), so the contract and the
// front doors cannot disagree on when a delegation ends.
import type { StateReader } from '../../ledger/contract.js';
import { delegateKeyMay } from '../identity/keys.js';

/**
 * May delegate `delegateId` (signing with `keyId`) manage `patient`'s consents
 * at `blockTime`? The record lists the key and its delegation is active and
 * grants 'manage-consent' (end date, patient active, appointer authority).
 */
export function delegateMayManageConsent(state: StateReader, patient: string, delegateId: string, keyId: string, blockTime: string): boolean {
  return delegateKeyMay(state, patient, delegateId, keyId, 'manage-consent', blockTime);
}
