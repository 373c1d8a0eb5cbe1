// Public face of the governance contract.
export { governanceContract, GOVERNANCE_CONTRACT } from './contract.js';
export {
  ORG_ID_PATTERN,
  PROPOSAL_ID_PATTERN,
  orgIdSchema,
  keyIdSchema,
  hpkePublicKeySchema,
  endpointSchema,
  tlsPinSchema,
  tlsPinsSchema,
  proposalIdForTx,
} from './ids.js';
export {
  NETWORK_NAMESPACE,
  NETWORK_CONFIG_KEY,
  GOVERNANCE_NAMESPACE,
  ORG_INDEX_KEY,
  DEFAULT_TIME_WINDOW_MS,
  DEFAULT_POLICIES,
  orgKey,
  proposalKey,
  getNetworkConfig,
  getOrg,
  getOrgIds,
  getActiveOrgIds,
  getProposal,
} from './records.js';
export { requiredApprovals } from './execute.js';
export { orgInputSchema, genesisArgs, proposeArgs, updateOrgArgs } from './schemas.js';
export type { NetworkConfig, OrgRecord, ProposalRecord, ProposalKind, ApprovalPolicy, Policies } from './records.js';
export type { OrgInput, ProposeArgs } from './schemas.js';
export { ORG_PREFIX, PROPOSAL_PREFIX, orgStatus, isOrgActive, orgHpkePublicKey, orgTlsPins } from './keys.js';
export { networkConfig, orgRecord, listOrgs, proposalRecord, listProposals, tlsPinsForOrigin } from './queries.js';
