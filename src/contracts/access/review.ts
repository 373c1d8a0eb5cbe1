// access/review-break-glass and report-incident: the privacy officer closes a
// break-glass event in its organisation's queue; a node reports a custodian
// whose record failed its on-ledger commitment or whose exchange was refused.
import { defineAction, refuse } from '../../ledger/contract.js';
import { incidentArgsSchema, reviewArgsSchema } from './schema.js';
import {
  ACCESS_NAMESPACE,
  btgKey,
  getBreakGlass,
  getIncident,
  incidentIdForTx,
  incidentKey,
  nodeOrgOf,
  orgStatus,
  patientView,
  privacyOfficerOf,
  toJson,
  type BreakGlassEntry,
  type IncidentRecord,
} from './state.js';

/**
 * Signer: an active member key with role 'privacy-officer' of an active org;
 * only that org's queue is searched, so another org's event is NOT_FOUND.
 * UNAUTHORIZED when the officer is the accessor under review (no self-review);
 * CONFLICT once reviewed.
 */
export const reviewBreakGlass = defineAction({
  args: reviewArgsSchema,
  authorize(ctx) {
    const officer = privacyOfficerOf(ctx);
    return 'code' in officer ? officer : undefined;
  },
  apply(ctx, args) {
    const officer = privacyOfficerOf(ctx);
    if ('code' in officer) return officer;
    const entry = getBreakGlass(ctx.state, officer.org, args.eventId);
    if (entry === undefined) return refuse('NOT_FOUND', 'no such break-glass event in the signer org');
    const a = entry.accessor;
    if (a.kind === 'member' && a.orgId === officer.org && a.memberId === officer.memberId) {
      return refuse('UNAUTHORIZED', 'a privacy officer may not review their own break-glass access');
    }
    if (entry.status !== 'pending') return refuse('CONFLICT', 'already reviewed');
    const reviewed: BreakGlassEntry = {
      ...entry,
      status: 'reviewed',
      outcome: args.outcome,
      reviewedBy: officer.memberId,
      reviewedAt: ctx.blockTime,
      ...(args.note === undefined ? {} : { note: args.note }),
    };
    ctx.state.put(ACCESS_NAMESPACE, btgKey(officer.org, args.eventId), toJson(reviewed));
    ctx.emit('break-glass-reviewed', { eventId: args.eventId, custodian: officer.org, outcome: args.outcome });
    return undefined;
  },
});

/**
 * Signer: an active node key of an active org (the reporter). custodianOrg
 * must be a known organisation and patient a known pseudonym (NOT_FOUND);
 * erased patients are accepted (an exchange refused because of erasure is
 * still worth recording). incidentId = incidentIdForTx(txId).
 */
export const reportIncident = defineAction({
  args: incidentArgsSchema,
  authorize(ctx) {
    const org = nodeOrgOf(ctx);
    return typeof org === 'string' ? undefined : org;
  },
  apply(ctx, args) {
    const reporterOrg = nodeOrgOf(ctx);
    if (typeof reporterOrg !== 'string') return reporterOrg;
    if (orgStatus(ctx.state, args.custodianOrg) === undefined) return refuse('NOT_FOUND', 'unknown custodian organisation');
    if (patientView(ctx.state, args.patient) === undefined) return refuse('NOT_FOUND', 'unknown patient');
    const incidentId = incidentIdForTx(ctx.txId);
    if (getIncident(ctx.state, reporterOrg, incidentId) !== undefined) return refuse('ALREADY_EXISTS', 'incident id already used');
    const incident: IncidentRecord = {
      incidentId,
      kind: args.kind,
      reporterOrg,
      custodianOrg: args.custodianOrg,
      patient: args.patient,
      ...(args.recordId === undefined ? {} : { recordId: args.recordId }),
      ...(args.version === undefined ? {} : { version: args.version }),
      detail: args.detail,
      reportedAt: ctx.blockTime,
      height: ctx.height,
    };
    ctx.state.put(ACCESS_NAMESPACE, incidentKey(reporterOrg, incidentId), toJson(incident));
    ctx.emit('incident-reported', { incidentId, kind: args.kind, reporterOrg, custodianOrg: args.custodianOrg });
    return undefined;
  },
});
