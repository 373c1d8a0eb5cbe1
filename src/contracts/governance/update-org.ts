// governance/update-org: an organisation changes its own endpoint, HPKE
// public key (key agreement for record exchange) or node TLS identity (SPKI
// pins, docs/tls.md), without a vote: each is the org's own identity, and the
// change is a signed, ordered and witnessed governance transaction. An empty
// pin list removes the pins (peers then check the consortium CA only).
import { allow, defineAction } from '../../ledger/contract.js';
import { isRefusal, signerAdminOrg } from './authority.js';
import { putOrg, type OrgRecord } from './records.js';
import { updateOrgArgs } from './schemas.js';

/** Signer: an active org-admin key of the (active) org being updated, which is the signer's org. */
export const updateOrg = defineAction({
  args: updateOrgArgs,
  authorize(ctx) {
    const who = signerAdminOrg(ctx);
    return isRefusal(who) ? who : allow(who.org);
  },
  apply(ctx, args, org) {
    const { tlsPins: oldPins, ...rest } = org;
    const pins = args.tlsPins ?? oldPins ?? [];
    const next: OrgRecord = {
      ...rest,
      endpoint: args.endpoint ?? org.endpoint,
      hpkePublicKey: args.hpkePublicKey ?? org.hpkePublicKey,
      ...(pins.length === 0 ? {} : { tlsPins: [...pins] }),
    };
    putOrg(ctx.state, next);
    // The pins are named only when the org has or had some (events of earlier updates stay as they were).
    const touchedPins = args.tlsPins !== undefined || oldPins !== undefined;
    ctx.emit('org-updated', { orgId: org.orgId, endpoint: next.endpoint, hpkePublicKey: next.hpkePublicKey, ...(touchedPins ? { tlsPins: [...pins] } : {}) });
    return undefined;
  },
});
