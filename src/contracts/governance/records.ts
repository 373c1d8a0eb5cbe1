// State writes of the governance contract and the few key-registry writes it
// needs; the layout and the readers are governance/keys.ts (re-exported here
// for the modules that import them from this file).
import type { JsonValue, KeyKind, KeyRecord, StateAccess } from '../../ledger/contract.js';
import { getKey, KEYS_NAMESPACE, stringsOf } from '../keys/keys.js';
import { membersOf } from '../identity/keys.js';
import { getOrgIds, GOVERNANCE_NAMESPACE, ORG_INDEX_KEY, orgKey, proposalKey, type OrgRecord, type Policies, type ProposalRecord } from './keys.js';

export {
  NETWORK_NAMESPACE,
  NETWORK_CONFIG_KEY,
  GOVERNANCE_NAMESPACE,
  ORG_INDEX_KEY,
  orgKey,
  proposalKey,
  getNetworkConfig,
  getOrg,
  getProposal,
  getOrgIds,
  getActiveOrgIds,
} from './keys.js';
export type { ApprovalPolicy, Policies, NetworkConfig, OrgRecord, ProposalKind, ProposalRecord } from './keys.js';

export const DEFAULT_TIME_WINDOW_MS = 300_000;
export const DEFAULT_POLICIES: Policies = { admitOrg: 'majority', removeOrg: 'majority', changePolicy: 'majority' };

export function putOrg(state: StateAccess, org: OrgRecord): void {
  state.put(GOVERNANCE_NAMESPACE, orgKey(org.orgId), org);
  const ids = getOrgIds(state);
  if (!ids.includes(org.orgId)) state.put(GOVERNANCE_NAMESPACE, ORG_INDEX_KEY, { orgIds: [...ids, org.orgId] });
}

export function putProposal(state: StateAccess, proposal: ProposalRecord): void {
  state.put(GOVERNANCE_NAMESPACE, proposalKey(proposal.proposalId), proposal as { [k: string]: JsonValue });
}

/** A key's registry entry (any status). */
export const getKeyRecord = getKey;

export function putNewKey(state: StateAccess, keyId: string, kind: KeyKind, org: string, height: number): void {
  const record: KeyRecord = { kind, org, owner: org, roles: [], status: 'active', since: height };
  state.put(KEYS_NAMESPACE, keyId, record);
}

/** Marks a key revoked (no-op if unknown or already revoked). */
export function revokeKeyRecord(state: StateAccess, keyId: string, height: number): void {
  const record = getKeyRecord(state, keyId);
  if (record === undefined || record.status === 'revoked') return;
  state.put(KEYS_NAMESPACE, keyId, { ...record, status: 'revoked', revokedAt: height });
}

/** Member key ids of an org, from a scan of identity's member records. */
export function getMemberKeyIds(state: StateAccess, orgId: string): string[] {
  return membersOf(state.scan.bind(state), orgId).flatMap((member) => stringsOf(member.keys));
}
