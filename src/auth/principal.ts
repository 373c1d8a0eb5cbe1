// Who a credential stands for, read from committed ledger state. Used twice:
// when a token is issued and again on every use of it, so a revoked key, a
// deactivated member, a removed org or an ended delegation (delegationStatus:
// end date, appointer's authority) stops working at once (tokens carry no
// roles or powers; they come from state at use).
import { isOrgActive } from '../contracts/governance/index.js';
import { delegationStatus, getDelegate, getKey, getMember, getPatient, type DelegatePower } from '../contracts/identity/index.js';
import type { StateReader } from '../ledger/index.js';
import type { ClientRecord } from './store.js';

/**
 * A member principal. `keyId` is the credential: the Ed25519 ledger key id
 * (= client_id) for ledger-key clients, the client_id for JWKS clients.
 * An org-admin key acts as member `<orgId>` with the role 'org-admin'.
 */
export type Principal =
  | { kind: 'member'; orgId: string; memberId: string; keyId: string; roles: string[]; via: 'ledger-key' | 'jwks-client' }
  | { kind: 'patient'; pseudonym: string; keyId: string }
  | { kind: 'delegate'; pseudonym: string; delegateId: string; keyId: string; powers: readonly DelegatePower[] };

/** The member (or org admin) an active Ed25519 ledger key of kind member or org-admin belongs to. */
export function memberKeyPrincipal(state: StateReader, keyId: string): Principal | undefined {
  const key = getKey(state, keyId);
  if (key?.status !== 'active' || !isOrgActive(state, key.org)) return undefined;
  if (key.kind === 'org-admin') {
    return { kind: 'member', orgId: key.org, memberId: key.owner, keyId, roles: ['org-admin'], via: 'ledger-key' };
  }
  if (key.kind !== 'member') return undefined;
  const member = getMember(state, key.org, key.owner);
  if (member?.status !== 'active' || !member.keys.includes(keyId)) return undefined;
  return { kind: 'member', orgId: key.org, memberId: member.memberId, keyId, roles: [...member.roles], via: 'ledger-key' };
}

/** The member a registered JWKS client acts for, if that member and its org are active. */
export function clientPrincipal(state: StateReader, client: ClientRecord): Principal | undefined {
  if (!isOrgActive(state, client.orgId)) return undefined;
  const member = getMember(state, client.orgId, client.memberId);
  if (member?.status !== 'active') return undefined;
  return { kind: 'member', orgId: client.orgId, memberId: member.memberId, keyId: client.clientId, roles: [...member.roles], via: 'jwks-client' };
}

/**
 * The patient, or the delegate acting for the patient, that `keyId` belongs
 * to: an active patient key of `pseudonym`, or an active delegate key bound to
 * a delegate record of `pseudonym` whose delegation is active at `nowIso`
 * (delegationStatus) and grants 'read' or 'manage-consent' (what a token can
 * carry; delegateCeiling maps the powers to scopes). The patient record
 * itself must be active (not erased).
 */
export function patientPrincipal(state: StateReader, pseudonym: string, keyId: string, nowIso: string): Principal | undefined {
  const key = getKey(state, keyId);
  if (key?.status !== 'active' || getPatient(state, pseudonym)?.status !== 'active') return undefined;
  if (key.kind === 'patient') return key.owner === pseudonym ? { kind: 'patient', pseudonym, keyId } : undefined;
  if (key.kind !== 'delegate' || key['patient'] !== pseudonym) return undefined;
  const delegate = getDelegate(state, pseudonym, key.owner);
  if (delegate?.keys.includes(keyId) !== true) return undefined;
  const status = delegationStatus(state, delegate, nowIso);
  if (status.status !== 'active' || !status.powers.some((p) => p === 'read' || p === 'manage-consent')) return undefined;
  return { kind: 'delegate', pseudonym, delegateId: key.owner, keyId, powers: status.powers };
}
