// governance/propose, approve and execute: proposals to admit or remove an
// organisation or change the network policy, approved by organisations (one
// vote each, cast by any of its active org-admin keys).
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type JsonValue, type Refusal } from '../../ledger/contract.js';
import { isRefusal, signerAdminOrg } from './authority.js';
import { checkProposal, executeIfApproved, tally } from './execute.js';
import { proposalIdForTx, proposalIdSchema } from './ids.js';
import { getProposal, putProposal, type ProposalRecord } from './records.js';
import { proposeArgs } from './schemas.js';

/**
 * Signer: an active org-admin key of an active org. The proposer's org is the
 * first approval; the proposal executes at once if that meets the policy.
 * Refused with the code the effect would fail with (ALREADY_EXISTS, NOT_FOUND,
 * CONFLICT, RULE_VIOLATION) if it is impossible already.
 */
export const propose = defineAction({
  args: proposeArgs,
  authorize(ctx, args) {
    const who = signerAdminOrg(ctx);
    if (isRefusal(who)) return who;
    if (getProposal(ctx.state, proposalIdForTx(ctx.txId)) !== undefined) return refuse('ALREADY_EXISTS', 'proposal exists');
    return checkProposal(ctx, args) ?? allow(who);
  },
  apply(ctx, args, who) {
    const proposal: ProposalRecord = {
      proposalId: proposalIdForTx(ctx.txId),
      kind: args.kind,
      payload: args.payload as { [k: string]: JsonValue },
      proposer: who.orgId,
      approvals: [who.orgId],
      status: 'open',
      createdAt: ctx.blockTime,
    };
    putProposal(ctx.state, proposal);
    ctx.emit('proposal-created', { proposalId: proposal.proposalId, kind: proposal.kind, proposer: who.orgId });
    executeIfApproved(ctx, proposal);
    return undefined;
  },
});

const proposalRef = z.strictObject({ proposalId: proposalIdSchema });

/** The open proposal with this id: NOT_FOUND if unknown, CONFLICT if already closed. */
function openProposal(ctx: ExecContext, proposalId: string): ProposalRecord | Refusal {
  const proposal = getProposal(ctx.state, proposalId);
  if (proposal === undefined) return refuse('NOT_FOUND', 'no such proposal');
  if (proposal.status !== 'open') return refuse('CONFLICT', `proposal is ${proposal.status}`);
  return proposal;
}

/**
 * Signer: an active org-admin key of an active org that has not approved yet
 * (CONFLICT if it has, or if the proposal is closed; NOT_FOUND if unknown).
 * Executes the proposal when approvals of active orgs reach the policy.
 */
export const approve = defineAction({
  args: proposalRef,
  authorize(ctx, args) {
    const who = signerAdminOrg(ctx);
    if (isRefusal(who)) return who;
    const proposal = openProposal(ctx, args.proposalId);
    if (isRefusal(proposal)) return proposal;
    if (proposal.approvals.includes(who.orgId)) return refuse('CONFLICT', 'org has already approved');
    return allow({ orgId: who.orgId, proposal });
  },
  apply(ctx, _args, { orgId, proposal }) {
    const approved: ProposalRecord = { ...proposal, approvals: [...proposal.approvals, orgId] };
    putProposal(ctx.state, approved);
    ctx.emit('proposal-approved', { proposalId: approved.proposalId, orgId });
    executeIfApproved(ctx, approved);
    return undefined;
  },
});

/**
 * Signer: an active org-admin key of an active org. Executes an open proposal
 * whose approvals already meet the policy: needed when removals shrink the
 * electorate after every remaining org has approved. RULE_VIOLATION if the
 * tally is still short.
 */
export const execute = defineAction({
  args: proposalRef,
  authorize(ctx, args) {
    const who = signerAdminOrg(ctx);
    if (isRefusal(who)) return who;
    const proposal = openProposal(ctx, args.proposalId);
    if (isRefusal(proposal)) return proposal;
    const { approvals, required } = tally(ctx, proposal);
    return approvals < required ? refuse('RULE_VIOLATION', `${approvals} of ${required} approvals`) : allow(proposal);
  },
  apply(ctx, _args, proposal) {
    executeIfApproved(ctx, proposal);
    return undefined;
  },
});
