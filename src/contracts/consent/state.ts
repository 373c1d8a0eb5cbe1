// The consent contract's state: its layout and readers are consent/keys.ts
// (re-exported here); what it reads of identity and governance comes from
// their keys.ts. This adds the opened record type, consent ids and the
// grantee check.
import { sha256, toBase64Url, utf8 } from '../../crypto/index.js';
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import { custodianOf, isActiveMember, patientStatus as identityPatientStatus } from '../identity/keys.js';
import { isOrgActive, orgHpkePublicKey } from '../governance/keys.js';
import type { SealedConsentRecord } from './keys.js';
import type { Grantee, Provision } from './schema.js';

export { CONSENT_NAMESPACE, grantKey, grantPrefix, indexKey, readIndex, readSealedGrant } from './keys.js';
export type { SealedConsentRecord } from './keys.js';
export { custodianOf, orgHpkePublicKey };

/** Domain-separation prefix of consent ids. */
export const CONSENT_ID_DOMAIN = 'careledger.consent/1\n';

/** A grant as the custodian opened it (ConsentBook): what decide evaluates. */
export interface ConsentRecord {
  consentId: string;
  patient: string;
  grantee: Grantee;
  provision: Provision;
  status: 'active' | 'revoked';
  /** Key id that signed the grant (the patient's or a delegate's). */
  grantedBy: string;
  grantedAt: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** consentId = 'cns_' + base64url(first 16 bytes of SHA-256(utf8('careledger.consent/1\n' + txId))). */
export function consentIdForTx(txId: string): string {
  return 'cns_' + toBase64Url(sha256(utf8(CONSENT_ID_DOMAIN + txId)).subarray(0, 16));
}

export type PatientStatus = 'active' | 'erased' | 'unknown';

/** Identity's patient status as consent distinguishes it (absent or malformed is 'unknown'). */
export function patientStatus(state: StateReader, patient: string): PatientStatus {
  const s = identityPatientStatus(state, patient);
  return s === 'active' || s === 'erased' ? s : 'unknown';
}

/** Whether a grantee (or requester) exists and is active: its organisation, and for a practitioner its membership. */
export function isGranteeActive(state: StateReader, grantee: Grantee): boolean {
  if (grantee.kind === 'organization') return isOrgActive(state, grantee.orgId);
  return isActiveMember(state, grantee.orgId, grantee.memberId);
}

/** Converts a typed record to the JSON stored in state (drops nothing: records hold no undefined). */
export function toJson(record: SealedConsentRecord): JsonValue {
  return record as unknown as JsonValue;
}
