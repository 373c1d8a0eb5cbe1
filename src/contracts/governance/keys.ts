// The state vocabulary of the governance contract, the one module other
// contracts and layers import to read it:
//   'network'/'config'            -> NetworkConfig
//   'governance'/'org/<orgId>'    -> OrgRecord
//   'governance'/'index/orgs'     -> { orgIds: string[] } (every org ever admitted)
//   'governance'/'proposal/<id>'  -> ProposalRecord
// Pure vocabulary: constants, key builders, record types and typed readers.
import { asObject, stringsOf, type StateReader } from '../keys/keys.js';
import type { JsonValue } from '../../ledger/contract.js';

export const GOVERNANCE_CONTRACT = 'governance';
export const NETWORK_NAMESPACE = 'network';
export const NETWORK_CONFIG_KEY = 'config';
export const GOVERNANCE_NAMESPACE = 'governance';
/** Index of every org id ever admitted (active or removed), in admission order. */
export const ORG_INDEX_KEY = 'index/orgs';

export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const PROPOSAL_ID_PATTERN = /^prop_[A-Za-z0-9_-]{22}$/;

export type ApprovalPolicy = 'majority' | 'unanimous';
export interface Policies { [k: string]: JsonValue; admitOrg: ApprovalPolicy; removeOrg: ApprovalPolicy; changePolicy: ApprovalPolicy }

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
  /**
   * The org's node TLS identity: SPKI pins (base64url SHA-256 of the node
   * certificate's SubjectPublicKeyInfo, crypto/tls-pin.ts), at most four so a
   * new key can be announced before it is served. Absent: peers check the
   * consortium CA only (docs/tls.md).
   */
  tlsPins?: string[];
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

/** Prefix of every org record (a scan lists the organisations in id order). */
export const ORG_PREFIX = 'org/';
/** Prefix of every proposal record. */
export const PROPOSAL_PREFIX = 'proposal/';
export const orgKey = (orgId: string): string => `${ORG_PREFIX}${orgId}`;
export const proposalKey = (proposalId: string): string => `${PROPOSAL_PREFIX}${proposalId}`;

/** The network configuration, or undefined before genesis. */
export function getNetworkConfig(reader: StateReader): NetworkConfig | undefined {
  return asObject(reader.get(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY)) as NetworkConfig | undefined;
}

export function getOrg(reader: StateReader, orgId: string): OrgRecord | undefined {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, orgKey(orgId))) as OrgRecord | undefined;
}

/** An org record's status: undefined if the org is unknown, 'unknown' if the field is not a string. */
export function orgStatus(reader: StateReader, orgId: string): string | undefined {
  const rec = getOrg(reader, orgId);
  if (rec === undefined) return undefined;
  return typeof rec['status'] === 'string' ? rec['status'] : 'unknown';
}

/** The org exists and is active (false for null: keys of patients and delegates have no org). */
export function isOrgActive(reader: StateReader, orgId: string | null): orgId is string {
  return orgId !== null && getOrg(reader, orgId)?.status === 'active';
}

/** The TLS pins registered for an org (undefined when it registered none). */
export function orgTlsPins(reader: StateReader, orgId: string): string[] | undefined {
  const pins = stringsOf(getOrg(reader, orgId)?.['tlsPins']);
  return pins.length === 0 ? undefined : pins;
}

/** An org's registered HPKE public key (base64url), the recipient of its patients' sealed consents. */
export function orgHpkePublicKey(reader: StateReader, orgId: string): string | undefined {
  const k = getOrg(reader, orgId)?.['hpkePublicKey'];
  return typeof k === 'string' ? k : undefined;
}

export function getProposal(reader: StateReader, proposalId: string): ProposalRecord | undefined {
  return asObject(reader.get(GOVERNANCE_NAMESPACE, proposalKey(proposalId))) as ProposalRecord | undefined;
}

/** Every org id ever admitted; listing is otherwise impossible with point reads. */
export function getOrgIds(reader: StateReader): string[] {
  return stringsOf(asObject(reader.get(GOVERNANCE_NAMESPACE, ORG_INDEX_KEY))?.['orgIds']);
}

export function getActiveOrgIds(reader: StateReader): string[] {
  return getOrgIds(reader).filter((id) => getOrg(reader, id)?.status === 'active');
}
