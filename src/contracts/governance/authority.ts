// Who may act for an organisation in governance: an active key of kind
// 'org-admin' whose organisation is active. Member keys holding the
// 'org-admin' role manage their org's members (identity) but do not vote.
import { refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { getOrg, type OrgRecord } from './records.js';

/** The signer's org (id and record) if the signer is an active org-admin key of an active org. */
export function signerAdminOrg(ctx: ExecContext): { orgId: string; org: OrgRecord } | Refusal {
  const key = ctx.signerKey;
  if (key === undefined || key.status !== 'active' || key.kind !== 'org-admin' || key.org === null) {
    return refuse('UNAUTHORIZED', 'signer is not an org-admin key');
  }
  const org = getOrg(ctx.state, key.org);
  if (org?.status !== 'active') return refuse('UNAUTHORIZED', 'signer org is not active');
  return { orgId: key.org, org };
}

export function isRefusal(value: object): value is Refusal {
  return 'code' in value;
}
