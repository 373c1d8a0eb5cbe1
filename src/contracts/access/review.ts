// access/review-break-glass and report-incident: the privacy officer closes a
// break-glass event of its organisation, known on the ledger only by an
// opaque reference; a node reports a custodian whose record failed its
// on-ledger commitment or whose exchange was refused, naming the patient only
// through a commitment.
import { fromBase64Url, verifyCanonical } from '../../crypto/index.js';
import { allow, defineAction, refuse } from '../../ledger/contract.js';
import { REVIEW_ATTESTATION_DOMAIN, reviewAttestationPayload } from './chain.js';
import { incidentArgsSchema, reviewArgsSchema } from './schema.js';
import {
  ACCESS_NAMESPACE,
  btgKey,
  getBreakGlass,
  getIncident,
  incidentIdForTx,
  incidentKey,
  isNodeKeyOf,
  nodeOrgOf,
  orgStatus,
  privacyOfficerOf,
  toJson,
  type BreakGlassMark,
  type IncidentRecord,
} from './state.js';

/**
 * Signer: an active member key with role 'privacy-officer' of an active org;
 * only that org's marks are searched, so another org's reference is
 * NOT_FOUND. The ledger does not know who broke the glass, so the custodian's
 * node, which does, attests that the reviewer is not the accessor: an
 * attestation not signed by an active node key of the officer's org over
 * (network, org, ref, reviewer) is UNAUTHORIZED. CONFLICT once reviewed.
 */
export const reviewBreakGlass = defineAction({
  args: reviewArgsSchema,
  authorize(ctx) {
    const officer = privacyOfficerOf(ctx);
    return 'code' in officer ? officer : allow(officer);
  },
  apply(ctx, args, officer) {
    const mark = getBreakGlass(ctx.state, officer.org, args.ref);
    if (mark === undefined) return refuse('NOT_FOUND', 'no such break-glass event in the signer org');
    const sig = fromBase64Url(args.attestation.sig);
    const payload = reviewAttestationPayload(ctx.network, officer.org, args.ref, officer.memberId);
    let attested = false;
    if (sig?.byteLength === 64 && isNodeKeyOf(ctx.state, officer.org, args.attestation.keyId)) {
      try {
        attested = verifyCanonical(args.attestation.keyId, REVIEW_ATTESTATION_DOMAIN, payload, sig);
      } catch {
        attested = false;
      }
    }
    if (!attested) return refuse('UNAUTHORIZED', "no valid attestation by the custodian's node for this reviewer");
    if (mark.status !== 'pending') return refuse('CONFLICT', 'already reviewed');
    const reviewed: BreakGlassMark = { ...mark, status: 'reviewed', outcome: args.outcome, reviewedBy: officer.memberId, reviewedAt: ctx.blockTime };
    ctx.state.put(ACCESS_NAMESPACE, btgKey(officer.org, args.ref), toJson(reviewed));
    ctx.emit('break-glass-reviewed', { custodian: officer.org, outcome: args.outcome });
    return undefined;
  },
});

/**
 * Signer: an active node key of an active org (the reporter). custodianOrg
 * must be a known organisation (NOT_FOUND). The patient appears only as
 * `subject` (chain.ts incidentSubject). incidentId = incidentIdForTx(txId).
 */
export const reportIncident = defineAction({
  args: incidentArgsSchema,
  authorize(ctx) {
    const org = nodeOrgOf(ctx);
    return typeof org === 'string' ? allow(org) : org;
  },
  apply(ctx, args, reporterOrg) {
    if (orgStatus(ctx.state, args.custodianOrg) === undefined) return refuse('NOT_FOUND', 'unknown custodian organisation');
    const incidentId = incidentIdForTx(ctx.txId);
    if (getIncident(ctx.state, reporterOrg, incidentId) !== undefined) return refuse('ALREADY_EXISTS', 'incident id already used');
    const incident: IncidentRecord = {
      incidentId,
      kind: args.kind,
      reporterOrg,
      custodianOrg: args.custodianOrg,
      subject: args.subject,
      detail: args.detail,
      reportedAt: ctx.blockTime,
      height: ctx.height,
    };
    ctx.state.put(ACCESS_NAMESPACE, incidentKey(reporterOrg, incidentId), toJson(incident));
    ctx.emit('incident-reported', { incidentId, kind: args.kind, reporterOrg, custodianOrg: args.custodianOrg });
    return undefined;
  },
});
