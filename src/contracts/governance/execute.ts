// Execution of governance proposals once their approval policy is met: admit
// an organisation, remove one (revoking all its admin, node and member keys),
// or change the network policy. Approvals count only organisations that are
// active when the count is taken.
//
// Decision: a proposal whose effect is no longer possible when its threshold
// is reached (org admitted meanwhile, key taken, org already removed) is marked
// 'rejected' with the result code in `reason`, and the approving transaction
// still succeeds. Refusing the transaction would discard the approval and leave
// the proposal open forever, failing every later approval the same way.
import { refuse, type ExecContext, type JsonValue, type Refusal } from '../../ledger/contract.js';
import { TRADING_ROLES_FIELD } from '../trading-roles.js';
import { mergePolicies, writeNewOrg } from './genesis.js';
import {
  NETWORK_CONFIG_KEY,
  NETWORK_NAMESPACE,
  getActiveOrgIds,
  getKeyRecord,
  getMemberKeyIds,
  getNetworkConfig,
  getOrg,
  putOrg,
  putProposal,
  revokeKeyRecord,
  type ApprovalPolicy,
  type ProposalRecord,
} from './records.js';
import { proposeArgs, type ProposeArgs } from './schemas.js';

/** Approvals needed under a policy with `active` active organisations. */
export function requiredApprovals(policy: ApprovalPolicy, active: number): number {
  return policy === 'unanimous' ? active : Math.floor(active / 2) + 1;
}

function policyFor(ctx: ExecContext, kind: ProposeArgs['kind']): ApprovalPolicy {
  const policies = getNetworkConfig(ctx.state)?.policies;
  if (policies === undefined) return 'majority';
  if (kind === 'admit-org' || kind === 'set-trading-roles') return policies.admitOrg;
  if (kind === 'remove-org') return policies.removeOrg;
  return policies.changePolicy;
}

/** Approval tally of a proposal: distinct active approving orgs against the threshold. */
export function tally(ctx: ExecContext, proposal: ProposalRecord): { approvals: number; required: number } {
  const active = new Set(getActiveOrgIds(ctx.state));
  const approvals = new Set(proposal.approvals.filter((o) => active.has(o))).size;
  return { approvals, required: requiredApprovals(policyFor(ctx, proposal.kind), active.size) };
}

/** Whether the proposal's effect is possible in the current state. */
export function checkProposal(ctx: ExecContext, p: ProposeArgs): Refusal | undefined {
  switch (p.kind) {
    case 'admit-org': {
      if (getOrg(ctx.state, p.payload.orgId) !== undefined) return refuse('ALREADY_EXISTS', `org ${p.payload.orgId} exists`);
      const taken = [...p.payload.adminKeys, ...p.payload.nodeKeys].find((k) => getKeyRecord(ctx.state, k));
      return taken === undefined ? undefined : refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
    }
    case 'remove-org': {
      const org = getOrg(ctx.state, p.payload.orgId);
      if (org === undefined) return refuse('NOT_FOUND', `no org ${p.payload.orgId}`);
      if (org.status !== 'active') return refuse('CONFLICT', `org ${p.payload.orgId} is already removed`);
      if (getActiveOrgIds(ctx.state).length <= 1) return refuse('RULE_VIOLATION', 'cannot remove the last active org');
      return undefined;
    }
    case 'change-policy':
      return getNetworkConfig(ctx.state) === undefined ? refuse('NOT_FOUND', 'no network config') : undefined;
    case 'set-trading-roles': {
      const org = getOrg(ctx.state, p.payload.orgId);
      if (org === undefined) return refuse('NOT_FOUND', `no org ${p.payload.orgId}`);
      return org.status === 'active' ? undefined : refuse('CONFLICT', `org ${p.payload.orgId} is removed`);
    }
  }
}

function applyEffect(ctx: ExecContext, p: ProposeArgs): void {
  switch (p.kind) {
    case 'admit-org':
      writeNewOrg(ctx, p.payload);
      ctx.emit('org-admitted', { orgId: p.payload.orgId });
      return;
    case 'remove-org': {
      const org = getOrg(ctx.state, p.payload.orgId);
      if (org === undefined) return;
      putOrg(ctx.state, { ...org, status: 'removed' });
      for (const k of [...org.adminKeys, ...org.nodeKeys, ...getMemberKeyIds(ctx.state, org.orgId)]) {
        revokeKeyRecord(ctx.state, k, ctx.height);
      }
      ctx.emit('org-removed', { orgId: org.orgId });
      return;
    }
    case 'change-policy': {
      const config = getNetworkConfig(ctx.state);
      if (config === undefined) return;
      const next = {
        ...config,
        timeWindowMs: p.payload.timeWindowMs ?? config.timeWindowMs,
        policies: mergePolicies(config.policies, p.payload.policies),
        configVersion: config.configVersion + 1,
      };
      ctx.state.put(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY, next);
      ctx.emit('policy-changed', { configVersion: next.configVersion });
      return;
    }
    case 'set-trading-roles': {
      const org = getOrg(ctx.state, p.payload.orgId);
      if (org === undefined) return;
      putOrg(ctx.state, { ...org, [TRADING_ROLES_FIELD]: [...p.payload.roles] });
      ctx.emit('trading-roles-set', { orgId: org.orgId, roles: [...p.payload.roles] });
      return;
    }
  }
}

/**
 * Executes (or rejects) an open proposal whose tally meets its policy; leaves
 * it open otherwise. Returns the proposal as written.
 */
export function executeIfApproved(ctx: ExecContext, proposal: ProposalRecord): ProposalRecord {
  const { approvals, required } = tally(ctx, proposal);
  if (proposal.status !== 'open' || approvals < required) return proposal;
  const parsed = proposeArgs.parse({ kind: proposal.kind, payload: proposal.payload });
  const blocked = checkProposal(ctx, parsed);
  let closed: ProposalRecord;
  if (blocked === undefined) {
    applyEffect(ctx, parsed);
    closed = { ...proposal, status: 'executed', executedAt: ctx.blockTime };
    ctx.emit('proposal-executed', { proposalId: proposal.proposalId, kind: proposal.kind });
  } else {
    closed = { ...proposal, status: 'rejected', rejectedAt: ctx.blockTime, reason: blocked.code };
    const data: { [k: string]: JsonValue } = { proposalId: proposal.proposalId, kind: proposal.kind, reason: blocked.code };
    ctx.emit('proposal-rejected', data);
  }
  putProposal(ctx.state, closed);
  return closed;
}
