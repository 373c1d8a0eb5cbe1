// What the trials contract reads of other contracts' state: the key registry
// (signer kind, org, roles), identity's member records (status, display name
// for a Part 11 printed name) and governance's org status. Contracts never
// import each other (.dependency-cruiser.cjs), so, as records/state.ts does,
// these few reads are written here once; when the identity and governance
// vocabularies (issue 10: identity/keys.ts, governance/keys.ts) become
// importable by contracts, these functions should delegate to them.
import { KEYS_NAMESPACE, type ExecContext, type JsonValue, type KeyRecord, type StateReader } from '../../ledger/contract.js';
import { asObject, type MemberRef } from './keys.js';

const IDENTITY_NAMESPACE = 'identity';
const GOVERNANCE_NAMESPACE = 'governance';

/** Governance's org record is present and active. */
export function isOrgActive(reader: StateReader, orgId: string): boolean {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, `org/${orgId}`))?.['status'] === 'active';
}

/** An active member of an active org, acting with one of its own active keys. */
export interface ActingMember extends MemberRef {
  roles: string[];
  printedName: string;
}

function stringOf(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The signer as an active member (key, member record and org all active), or undefined. */
export function actingMember(ctx: ExecContext): ActingMember | undefined {
  const key: KeyRecord | undefined = ctx.signerKey;
  if (key?.kind !== 'member' || key.status !== 'active' || key.org === null || !isOrgActive(ctx.state, key.org)) return undefined;
  const member = asObject(ctx.state.get(IDENTITY_NAMESPACE, `member/${key.org}/${key.owner}`));
  const keys = member?.['keys'];
  if (member?.['status'] !== 'active' || !Array.isArray(keys) || !keys.includes(ctx.signer)) return undefined;
  const roles = Array.isArray(member['roles']) ? member['roles'].filter((r): r is string => typeof r === 'string') : [];
  return { orgId: key.org, memberId: key.owner, roles, printedName: stringOf(member['display']) ?? key.owner };
}

/** An active member of `orgId` holding `role` (used to check named investigators and CRF authors). */
export function memberHasRole(reader: StateReader, ref: MemberRef, role: string): boolean {
  const member = asObject(reader.get(IDENTITY_NAMESPACE, `member/${ref.orgId}/${ref.memberId}`));
  const roles = member?.['roles'];
  return member?.['status'] === 'active' && Array.isArray(roles) && roles.includes(role) && isOrgActive(reader, ref.orgId);
}

/** The signer's org if it is an active node key of an active org, else undefined. */
export function actingNodeOrg(ctx: ExecContext): string | undefined {
  const key = ctx.signerKey;
  if (key?.kind !== 'node' || key.status !== 'active' || key.org === null) return undefined;
  return isOrgActive(ctx.state, key.org) ? key.org : undefined;
}

/** Whether a key id is in the ledger's key registry (any kind, any status). */
export function isRegisteredKey(reader: StateReader, keyId: string): boolean {
  return reader.get(KEYS_NAMESPACE, keyId) !== undefined;
}
