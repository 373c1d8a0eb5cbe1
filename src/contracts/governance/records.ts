// State layout owned by the governance contract (namespaces 'network' and
// 'governance') with typed point lookups for other layers, plus the few
// key-registry writes governance needs. The identity contract keeps its own
// copy of the registry helpers: contracts never import each other.
import type { JsonValue, KeyKind, KeyRecord, StateAccess, StateReader } from '../../ledger/contract.js';
import { KEYS_NAMESPACE } from '../../ledger/contract.js';

export const NETWORK_NAMESPACE = 'network';
export const NETWORK_CONFIG_KEY = 'config';
export const GOVERNANCE_NAMESPACE = 'governance';
/** Index of every org id ever admitted (active or removed), in admission order. */
export const ORG_INDEX_KEY = 'index/orgs';
/** Identity's per-org member index, read on org removal to revoke member keys. */
export const IDENTITY_NAMESPACE = 'identity';
export const DEFAULT_TIME_WINDOW_MS = 300_000;

export type ApprovalPolicy = 'majority' | 'unanimous';
export interface Policies { [k: string]: JsonValue; admitOrg: ApprovalPolicy; removeOrg: ApprovalPolicy; changePolicy: ApprovalPolicy }
export const DEFAULT_POLICIES: Policies = { admitOrg: 'majority', removeOrg: 'majority', changePolicy: 'majority' };

export interface NetworkConfig {
  [k: string]: JsonValue;
  networkId: string;
  timeWindowMs: number;
  policies: Policies;
  configVersion: number;
}

export interface OrgRecord {
  [k: string]: JsonValue;
  orgId: string;
  name: string;
  adminKeys: string[];
  nodeKeys: string[];
  hpkePublicKey: string;
  endpoint: string;
  status: 'active' | 'removed';
  since: number;
}

export type ProposalKind = 'admit-org' | 'remove-org' | 'change-policy' | 'set-trading-roles';

export interface ProposalRecord {
  [k: string]: JsonValue | undefined;
  proposalId: string;
  kind: ProposalKind;
  payload: { [k: string]: JsonValue };
  proposer: string;
  approvals: string[];
  status: 'open' | 'executed' | 'rejected';
  createdAt: string;
  executedAt?: string;
  rejectedAt?: string;
  /** Result code when execution was attempted and failed (status 'rejected'). */
  reason?: string;
}

export const orgKey = (orgId: string): string => `org/${orgId}`;
export const proposalKey = (proposalId: string): string => `proposal/${proposalId}`;

function asObject(value: JsonValue | undefined): { [k: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** The network configuration, or undefined before genesis. */
export function getNetworkConfig(reader: StateReader): NetworkConfig | undefined {
  return asObject(reader.get(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY)) as NetworkConfig | undefined;
}

export function getOrg(reader: StateReader, orgId: string): OrgRecord | undefined {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, orgKey(orgId))) as OrgRecord | undefined;
}

export function getProposal(reader: StateReader, proposalId: string): ProposalRecord | undefined {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, proposalKey(proposalId))) as ProposalRecord | undefined;
}

/** Every org id ever admitted; listing is otherwise impossible with point reads. */
export function getOrgIds(reader: StateReader): string[] {
  const index = asObject(reader.get(GOVERNANCE_NAMESPACE, ORG_INDEX_KEY));
  const ids = index?.['orgIds'];
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

export function getActiveOrgIds(reader: StateReader): string[] {
  return getOrgIds(reader).filter((id) => getOrg(reader, id)?.status === 'active');
}

export function putOrg(state: StateAccess, org: OrgRecord): void {
  state.put(GOVERNANCE_NAMESPACE, orgKey(org.orgId), org);
  const ids = getOrgIds(state);
  if (!ids.includes(org.orgId)) state.put(GOVERNANCE_NAMESPACE, ORG_INDEX_KEY, { orgIds: [...ids, org.orgId] });
}

export function putProposal(state: StateAccess, proposal: ProposalRecord): void {
  state.put(GOVERNANCE_NAMESPACE, proposalKey(proposal.proposalId), proposal as { [k: string]: JsonValue });
}

export function getKeyRecord(reader: StateReader, keyId: string): KeyRecord | undefined {
  return asObject(reader.get(KEYS_NAMESPACE, keyId)) as KeyRecord | undefined;
}

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

/** Member key ids of an org, via identity's index `org-members/<orgId>` and member records. */
export function getMemberKeyIds(reader: StateReader, orgId: string): string[] {
  const index = asObject(reader.get(IDENTITY_NAMESPACE, `org-members/${orgId}`));
  const memberIds = index?.['memberIds'];
  if (!Array.isArray(memberIds)) return [];
  const keys: string[] = [];
  for (const memberId of memberIds) {
    if (typeof memberId !== 'string') continue;
    const member = asObject(reader.get(IDENTITY_NAMESPACE, `member/${orgId}/${memberId}`));
    const memberKeys = member?.['keys'];
    if (Array.isArray(memberKeys)) for (const k of memberKeys) if (typeof k === 'string') keys.push(k);
  }
  return keys;
}
