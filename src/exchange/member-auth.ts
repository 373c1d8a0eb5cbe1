// The custodian's check that the member an exchange request names actually
// authorised it (issue 9, finding 11): a requesting node's claim of a member
// id is not evidence, since any node could name any member of its
// organisation (or forge one whose consent it wants to use). The request
// carries the member's authorisation, signed with the member's ACTIVE ledger
// key; the member must be active in the requesting organisation with the
// practitioner role; the authorisation must be fresh (the exchange window)
// and used once per custodian; and the request must stay within it
// (network, requester, patient, purpose, resource types, custodian).
import { getKey, getMember } from '../contracts/identity/index.js';
import { randomBytes } from 'node:crypto';
import { toBase64Url, type SigningKey } from '../crypto/index.js';
import { type StateReader } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { activeOrg } from './peers.js';
import {
  EXCHANGE_AUTHORIZATION_TYPE,
  signMemberAuthorization,
  verifyMemberAuthorizationSignature,
  type ExchangeRequest,
  type MemberAuthorization,
  type SignedMemberAuthorization,
} from './protocol.js';
import type { ReplayGuard } from './replay.js';

/** Roles that may ask another organisation for a patient's records. */
export const EXCHANGE_REQUESTER_ROLES: readonly string[] = ['practitioner'];

const refuse = (code: 'FORBIDDEN' | 'UNKNOWN_SIGNER' | 'BAD_SIGNATURE' | 'STALE_TIME', message: string, field: string): CareLedgerError =>
  new CareLedgerError(code, message, { field: `authorization.${field}` });

/** Whether keyId is an active member key of (orgId, memberId), the member active with a requesting role. */
function isActiveRequesterKey(state: StateReader, orgId: string, memberId: string, keyId: string): 'ok' | 'unknown-key' | 'not-allowed' {
  const key = getKey(state, keyId);
  if (key?.status !== 'active' || key.kind !== 'member' || key.org !== orgId || key.owner !== memberId) return 'unknown-key';
  const member = getMember(state, orgId, memberId);
  if (member?.status !== 'active' || !member.keys.includes(keyId) || activeOrg(state, orgId) === undefined) return 'unknown-key';
  return member.roles.some((r) => EXCHANGE_REQUESTER_ROLES.includes(r)) ? 'ok' : 'not-allowed';
}

/**
 * Throws unless the request's member authorisation is signed by that
 * member's active ledger key, fresh, not used before here, and covers the
 * request. Codes: UNKNOWN_SIGNER (not an active key of that member),
 * BAD_SIGNATURE, FORBIDDEN (role, or the request exceeds the
 * authorisation), STALE_TIME, DUPLICATE_TX (reused); fields under 'authorization'.
 */
export function verifyMemberAuthorization(
  state: StateReader,
  request: ExchangeRequest,
  options: { now: number; windowMs: number; replay: ReplayGuard },
): void {
  const signed = request.authorization;
  const a = signed.authorization;
  const r = request;
  if (a.network !== r.network) throw refuse('FORBIDDEN', 'the authorisation is for another network', 'network');
  if (a.requester.orgId !== r.requester.orgId || a.requester.memberId !== r.requester.memberId) {
    throw refuse('FORBIDDEN', 'the authorisation names another member', 'requester');
  }
  const standing = isActiveRequesterKey(state, a.requester.orgId, a.requester.memberId, signed.keyId);
  if (standing === 'unknown-key') throw refuse('UNKNOWN_SIGNER', 'not signed by an active ledger key of the named member', 'keyId');
  if (!verifyMemberAuthorizationSignature(signed)) throw refuse('BAD_SIGNATURE', 'the authorisation signature does not verify', 'signature');
  if (standing === 'not-allowed') throw refuse('FORBIDDEN', 'the member has no role that may request records', 'requester');
  if (a.patient !== r.patient) throw refuse('FORBIDDEN', 'the authorisation is for another patient', 'patient');
  if (a.purpose !== r.purpose) throw refuse('FORBIDDEN', 'the authorisation is for another purpose', 'purpose');
  if (a.custodians !== undefined && !a.custodians.includes(r.to)) throw refuse('FORBIDDEN', 'the authorisation does not name this custodian', 'custodians');
  if (a.resourceTypes !== undefined) {
    const allowed = a.resourceTypes;
    if (r.resourceTypes === undefined || !r.resourceTypes.every((t) => allowed.includes(t))) {
      throw refuse('FORBIDDEN', 'the request asks for resource types the authorisation does not name', 'resourceTypes');
    }
  }
  const at = Date.parse(a.time);
  if (!Number.isFinite(at) || Math.abs(options.now - at) > options.windowMs) throw refuse('STALE_TIME', 'the authorisation is outside the accepted window', 'time');
  options.replay.claim(`auth:${signed.keyId}:${a.nonce}`, at + options.windowMs, options.now);
}

/** What a member authorises: everything but the envelope fields. */
export interface AuthorizationScope {
  network: string;
  requester: { orgId: string; memberId: string };
  patient: string;
  purpose: MemberAuthorization['purpose'];
  resourceTypes?: string[];
  custodians?: string[];
}

/** Builds and signs an authorisation with a fresh nonce, timed `time` (the member's clock). */
export function authorizeExchange(scope: AuthorizationScope, key: SigningKey, time: string = new Date().toISOString()): SignedMemberAuthorization {
  const authorization: MemberAuthorization = {
    type: EXCHANGE_AUTHORIZATION_TYPE,
    network: scope.network,
    requester: { orgId: scope.requester.orgId, memberId: scope.requester.memberId },
    patient: scope.patient,
    purpose: scope.purpose,
    nonce: toBase64Url(randomBytes(16)),
    time,
  };
  if (scope.resourceTypes !== undefined) authorization.resourceTypes = [...scope.resourceTypes];
  if (scope.custodians !== undefined) authorization.custodians = [...scope.custodians];
  return signMemberAuthorization(authorization, key);
}
