// What the trials contract reads of other contracts' state: the key registry
// (signer kind, org), identity's member records (status, roles, display name
// for a Part 11 printed name) and governance's org status, each through that
// contract's vocabulary (its keys.ts), never by spelling its keys.
import type { ExecContext, StateReader } from '../../ledger/contract.js';
import { isOrgActive } from '../governance/keys.js';
import { getMember, isActiveMember } from '../identity/keys.js';
import { getKey } from '../keys/keys.js';
import type { MemberRef } from './keys.js';

export { isOrgActive };

/** An active member of an active org, acting with one of its own active keys. */
export interface ActingMember extends MemberRef {
  roles: string[];
  printedName: string;
}

const stringsIn = (value: unknown): string[] => (Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : []);

/** The signer as an active member (key, member record and org all active), or undefined. */
export function actingMember(ctx: ExecContext): ActingMember | undefined {
  const key = ctx.signerKey;
  const org = key?.org;
  if (key?.kind !== 'member' || key.status !== 'active' || org === null || org === undefined || !isActiveMember(ctx.state, org, key.owner)) return undefined;
  const member = getMember(ctx.state, org, key.owner);
  if (member === undefined || !stringsIn(member.keys).includes(ctx.signer)) return undefined;
  const display = member.display;
  return { orgId: org, memberId: key.owner, roles: stringsIn(member.roles), printedName: typeof display === 'string' ? display : key.owner };
}

/** An active member of an active `orgId` holding `role` (used to check named investigators and CRF authors). */
export function memberHasRole(reader: StateReader, ref: MemberRef, role: string): boolean {
  return isActiveMember(reader, ref.orgId, ref.memberId) && stringsIn(getMember(reader, ref.orgId, ref.memberId)?.roles).includes(role);
}

/** The signer's org if it is an active node key of an active org, else undefined. */
export function actingNodeOrg(ctx: ExecContext): string | undefined {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active') return undefined;
  return isOrgActive(ctx.state, key.org) ? key.org : undefined;
}

/** Whether a key id is in the ledger's key registry (any kind, any status). */
export function isRegisteredKey(reader: StateReader, keyId: string): boolean {
  return getKey(reader, keyId) !== undefined;
}
