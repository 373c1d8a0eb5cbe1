// The exchange's view of governance state: organisations, their endpoints,
// registered HPKE keys and node keys. Keys and endpoints always come from
// committed state, never from a request or a response.
import { getActiveOrgIds, getOrg, type OrgRecord } from '../contracts/governance/index.js';
import { isActiveOrgKey } from '../contracts/keys/index.js';
import type { StateReader } from '../ledger/index.js';

/** The organisation's record if it is active. */
export function activeOrg(state: StateReader, orgId: string): OrgRecord | undefined {
  const org = getOrg(state, orgId);
  return org?.status === 'active' ? org : undefined;
}

/** True when keyId is a registered, active node key of the active organisation orgId. */
export function isActiveNodeKey(state: StateReader, orgId: string, keyId: string): boolean {
  const org = activeOrg(state, orgId);
  if (org === undefined || !org.nodeKeys.includes(keyId)) return false;
  return isActiveOrgKey(state, 'node', orgId, keyId);
}

/** Every other active organisation with an endpoint: the custodians a gather asks. */
export function otherActiveOrgs(state: StateReader, self: string): OrgRecord[] {
  return getActiveOrgIds(state)
    .filter((id) => id !== self)
    .map((id) => getOrg(state, id))
    .filter((o): o is OrgRecord => o !== undefined && o.endpoint !== '');
}
