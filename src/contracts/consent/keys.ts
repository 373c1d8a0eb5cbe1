// The state vocabulary of the consent contract, the one module other
// contracts and layers import to read it:
//   'consent'/'grant/<pseudonym>/<consentId>' -> SealedConsentRecord (body sealed to the custodian, sealed.ts)
//   'consent'/'index/<pseudonym>'             -> consentId[] of ACTIVE grants (grant order)
// with the purpose-of-use codes (consent provisions, access events, the FHIR
// and exchange doors all speak them) and the consent id pattern.
// Pure vocabulary: constants, key builders, record types and typed readers.
import { asObject, stringsOf, type StateReader } from '../keys/keys.js';

export const CONSENT_CONTRACT = 'consent';
export const CONSENT_NAMESPACE = 'consent';

/** v3 ActReason purposes of use (http://terminology.hl7.org/CodeSystem/v3-ActReason). */
export const PURPOSES_OF_USE = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'ETREAT', 'BTG'] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/** Consent ids as the consent contract derives them: 'cns_' + base64url(16 bytes). */
export const CONSENT_ID_PATTERN = /^cns_[A-Za-z0-9_-]{22}$/;

/**
 * A stored grant as the ledger holds it: the grantee and provision are
 * sealed to the patient's custodian (sealed.ts). Revoked grants stay (the
 * ledger is the audit trail) but leave the index.
 */
export interface SealedConsentRecord {
  consentId: string;
  patient: string;
  sealed: { enc: string; ct: string };
  /** hex SHA-256 of the domain-separated canonical body. */
  commitment: string;
  status: 'active' | 'revoked';
  /** Key id that signed the grant (the patient's or a delegate's). */
  grantedBy: string;
  grantedAt: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** Prefix of every grant of a patient, active and revoked (a scan lists them in consent id order). */
export const grantPrefix = (patient: string): string => `grant/${patient}/`;
export const grantKey = (patient: string, consentId: string): string => `${grantPrefix(patient)}${consentId}`;
export const indexKey = (patient: string): string => `index/${patient}`;

/** The active-grant index of a patient (ids in grant order). */
export function readIndex(state: StateReader, patient: string): string[] {
  return stringsOf(state.get(CONSENT_NAMESPACE, indexKey(patient)));
}

/**
 * A stored sealed grant. The consent contract is the only writer of its
 * namespace and stores what its schema checked, so this checks the fields
 * readers rely on only.
 */
export function readSealedGrant(state: StateReader, patient: string, consentId: string): SealedConsentRecord | undefined {
  const rec = asObject(state.get(CONSENT_NAMESPACE, grantKey(patient, consentId)));
  if (rec === undefined || rec['patient'] !== patient || rec['consentId'] !== consentId) return undefined;
  if (rec['status'] !== 'active' && rec['status'] !== 'revoked') return undefined;
  const sealed = asObject(rec['sealed']);
  if (typeof sealed?.['enc'] !== 'string' || typeof sealed['ct'] !== 'string' || typeof rec['commitment'] !== 'string') return undefined;
  return rec as unknown as SealedConsentRecord;
}
