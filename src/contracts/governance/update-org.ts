// governance/update-org: an organisation changes its own endpoint or HPKE
// public key (key agreement for record exchange), without a vote.
import { allow, defineAction } from '../../ledger/contract.js';
import { isRefusal, signerAdminOrg } from './authority.js';
import { putOrg } from './records.js';
import { updateOrgArgs } from './schemas.js';

/** Signer: an active org-admin key of the (active) org being updated, which is the signer's org. */
export const updateOrg = defineAction({
  args: updateOrgArgs,
  authorize(ctx) {
    const who = signerAdminOrg(ctx);
    return isRefusal(who) ? who : allow(who.org);
  },
  apply(ctx, args, org) {
    const next = {
      ...org,
      endpoint: args.endpoint ?? org.endpoint,
      hpkePublicKey: args.hpkePublicKey ?? org.hpkePublicKey,
    };
    putOrg(ctx.state, next);
    ctx.emit('org-updated', { orgId: org.orgId, endpoint: next.endpoint, hpkePublicKey: next.hpkePublicKey });
    return undefined;
  },
});
