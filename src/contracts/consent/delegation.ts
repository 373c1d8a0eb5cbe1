// The consent contract's read-only view of identity's delegation records
// (contracts never import each other; they share the state layout). It
// mirrors identity's delegationStatus for the one question consent asks: may
// this delegate manage the patient's consents at block time? A unit test
// (identity/status-agreement.test.ts) checks both agree on random states.
//   'identity'/'delegate/<pseudonym>/<id>' -> { status, keys, validUntil?, powers?, appointment }
//     appointment: { by: 'patient' } | { by: 'org', orgId, proposedBy: {memberId, role}, approvedBy?: {memberId, role} }
//   'identity'/'patient/<pseudonym>'       -> { status }
//   'identity'/'member/<orgId>/<memberId>' -> { orgId, status, roles }
//   'governance'/'org/<orgId>'             -> { status }
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import { delegateKey, GOVERNANCE_NAMESPACE, IDENTITY_NAMESPACE, memberKey, orgKey, patientStatus, recordStatus } from './state.js';

type JsonObject = { [k: string]: JsonValue };
const asObject = (v: JsonValue | undefined): JsonObject | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;

/** Powers a delegate record grants: its `powers` list, or read + manage-consent when it names none. */
function grantsManageConsent(rec: JsonObject): boolean {
  const powers = rec['powers'];
  return Array.isArray(powers) ? powers.includes('manage-consent') : true;
}

/** The appointing member still holds its role in its active org. */
function appointerHolds(state: StateReader, orgId: string, who: JsonValue | undefined): boolean {
  const a = asObject(who);
  const memberId = a?.['memberId'];
  const role = a?.['role'];
  if (typeof memberId !== 'string' || typeof role !== 'string') return false;
  const member = asObject(state.get(IDENTITY_NAMESPACE, memberKey(orgId, memberId)));
  const roles = member?.['roles'];
  return member?.['status'] === 'active' && member['orgId'] === orgId && Array.isArray(roles) && roles.includes(role);
}

/**
 * May delegate `delegateId` (signing with `keyId`) manage `patient`'s consents
 * at `blockTime`? The record is active, lists the key, grants
 * 'manage-consent', has not passed validUntil, the patient is active, and the
 * appointment is the patient's, or an org's whose org is active and whose
 * proposing and approving members still hold their roles.
 */
export function delegateMayManageConsent(state: StateReader, patient: string, delegateId: string, keyId: string, blockTime: string): boolean {
  const rec = asObject(state.get(IDENTITY_NAMESPACE, delegateKey(patient, delegateId)));
  if (rec?.['status'] !== 'active') return false;
  const keys = rec['keys'];
  if (!Array.isArray(keys) || !keys.includes(keyId) || !grantsManageConsent(rec)) return false;
  const until = rec['validUntil'];
  if (until !== undefined && !(typeof until === 'string' && Date.parse(until) > Date.parse(blockTime))) return false;
  if (patientStatus(state, patient) !== 'active') return false;
  const appointment = asObject(rec['appointment']);
  if (appointment?.['by'] === 'patient') return true;
  if (appointment?.['by'] !== 'org') return false;
  const orgId = appointment['orgId'];
  if (typeof orgId !== 'string' || recordStatus(state, GOVERNANCE_NAMESPACE, orgKey(orgId)) !== 'active') return false;
  return appointerHolds(state, orgId, appointment['proposedBy']) && appointerHolds(state, orgId, appointment['approvedBy']);
}
