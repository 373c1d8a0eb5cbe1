// The consent contract's state layout and the read-only views it needs of
// identity and governance state (contracts never import each other; they
// share only the state layout, ARCHITECTURE section 5):
//   'consent'/'grant/<pseudonym>/<consentId>' -> SealedConsentRecord (body sealed to the custodian, sealed.ts)
//   'consent'/'index/<pseudonym>'             -> consentId[] of ACTIVE grants (grant order)
//   'identity'/'patient/<pseudonym>'          -> { status: 'active' | 'erased', ... }
//   'identity'/'delegate/<pseudonym>/<id>'    -> { status, validUntil?, ... }
//   'identity'/'member/<orgId>/<memberId>'    -> { status, ... }
//   'governance'/'org/<orgId>'                -> { status, ... }
// Readers check the fields they rely on instead of trusting the shape.
import { sha256, toBase64Url, utf8 } from '../../crypto/index.js';
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import type { Grantee, Provision } from './schema.js';

export const CONSENT_NAMESPACE = 'consent';
export const IDENTITY_NAMESPACE = 'identity';
export const GOVERNANCE_NAMESPACE = 'governance';
/** Domain-separation prefix of consent ids. */
export const CONSENT_ID_DOMAIN = 'careledger.consent/1\n';

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

export const grantKey = (patient: string, consentId: string): string => `grant/${patient}/${consentId}`;
export const indexKey = (patient: string): string => `index/${patient}`;
export const patientKey = (patient: string): string => `patient/${patient}`;
export const delegateKey = (patient: string, delegateId: string): string => `delegate/${patient}/${delegateId}`;
export const memberKey = (orgId: string, memberId: string): string => `member/${orgId}/${memberId}`;
export const orgKey = (orgId: string): string => `org/${orgId}`;

type JsonObject = { [key: string]: JsonValue };

function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** Status field of an identity or governance record, undefined if the record is absent. */
export function recordStatus(state: StateReader, namespace: string, key: string): string | undefined {
  const rec = asObject(state.get(namespace, key));
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

export type PatientStatus = 'active' | 'erased' | 'unknown';

export function patientStatus(state: StateReader, patient: string): PatientStatus {
  const s = recordStatus(state, IDENTITY_NAMESPACE, patientKey(patient));
  return s === 'active' || s === 'erased' ? s : 'unknown';
}

/** A delegate record as far as authority is concerned. */
export function readDelegate(
  state: StateReader,
  patient: string,
  delegateId: string,
): { status: string; validUntil: string | undefined } | undefined {
  const rec = asObject(state.get(IDENTITY_NAMESPACE, delegateKey(patient, delegateId)));
  if (rec === undefined) return undefined;
  const status = typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
  const validUntil = rec['validUntil'];
  return { status, validUntil: typeof validUntil === 'string' ? validUntil : undefined };
}

/** Whether a grantee (or requester) exists and is active: its organisation, and for a practitioner its membership. */
export function isGranteeActive(state: StateReader, grantee: Grantee): boolean {
  if (recordStatus(state, GOVERNANCE_NAMESPACE, orgKey(grantee.orgId)) !== 'active') return false;
  if (grantee.kind === 'organization') return true;
  return recordStatus(state, IDENTITY_NAMESPACE, memberKey(grantee.orgId, grantee.memberId)) === 'active';
}

/** The active-grant index of a patient (ids in grant order). */
export function readIndex(state: StateReader, patient: string): string[] {
  const v = state.get(CONSENT_NAMESPACE, indexKey(patient));
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is string => typeof x === 'string');
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

/** Converts a typed record to the JSON stored in state (drops nothing: records hold no undefined). */
export function toJson(record: SealedConsentRecord): JsonValue {
  return record as unknown as JsonValue;
}

/** The custodian organisation of a patient, from its identity record. */
export function custodianOf(state: StateReader, patient: string): string | undefined {
  const c = asObject(state.get(IDENTITY_NAMESPACE, patientKey(patient)))?.['custodian'];
  return typeof c === 'string' ? c : undefined;
}

/** An organisation's registered HPKE public key (base64url), the recipient of its patients' sealed consents. */
export function orgHpkePublicKey(state: StateReader, orgId: string): string | undefined {
  const k = asObject(state.get(GOVERNANCE_NAMESPACE, orgKey(orgId)))?.['hpkePublicKey'];
  return typeof k === 'string' ? k : undefined;
}
