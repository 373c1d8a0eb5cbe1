// access/record: the serving custodian's node writes the audit trail (HIPAA
// 164.312(b)) and the accounting-of-disclosures source (164.528). One entry
// per event under the patient's pseudonym, time-ordered; break-glass events
// (164.312(a)(2)(ii)) also enter the custodian's review queue.
import { defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { recordArgsSchema, type AccessEvent } from './schema.js';
import {
  ACCESS_NAMESPACE,
  accessEventId,
  btgKey,
  logKey,
  nodeOrgOf,
  orgStatus,
  patientView,
  timeWindowMs,
  toJson,
  type AccessLogEntry,
  type BreakGlassEntry,
} from './state.js';

/**
 * State rules for one event: `at` no later than block time plus the network
 * time window (RULE_VIOLATION); patient known (NOT_FOUND) and, if erased,
 * the access happened before erasure (GONE), so accesses batched before an
 * erasure are still accounted for; recipientOrg a known organisation
 * (NOT_FOUND). Accessor identities are asserted by the signing custodian and
 * not checked against identity: the audit trail must not lose an event.
 */
export function checkAccessEvent(ctx: ExecContext, event: AccessEvent, index: number): Refusal | undefined {
  const where = `events[${index}]`;
  if (Date.parse(event.at) > Date.parse(ctx.blockTime) + timeWindowMs(ctx.state)) {
    return refuse('RULE_VIOLATION', `${where}: at is after block time plus the time window`);
  }
  const patient = patientView(ctx.state, event.patient);
  if (patient === undefined) return refuse('NOT_FOUND', `${where}: unknown patient`);
  if (patient.status !== 'active' && (patient.erasedAt === undefined || event.at >= patient.erasedAt)) {
    return refuse('GONE', `${where}: patient is erased`);
  }
  if (event.recipientOrg !== undefined && orgStatus(ctx.state, event.recipientOrg) === undefined) {
    return refuse('NOT_FOUND', `${where}: unknown recipient organisation`);
  }
  return undefined;
}

export const recordAccess = defineAction({
  args: recordArgsSchema,
  authorize(ctx) {
    const org = nodeOrgOf(ctx);
    return typeof org === 'string' ? undefined : org;
  },
  apply(ctx, args) {
    const custodian = nodeOrgOf(ctx);
    if (typeof custodian !== 'string') return custodian;
    for (const [i, event] of args.events.entries()) {
      const bad = checkAccessEvent(ctx, event, i);
      if (bad !== undefined) return bad;
    }
    let breakGlass = 0;
    for (const [i, event] of args.events.entries()) {
      const eventId = accessEventId(ctx.txId, i);
      const entry: AccessLogEntry = { eventId, custodian, ...event, height: ctx.height };
      ctx.state.put(ACCESS_NAMESPACE, logKey(event.patient, event.at, eventId), toJson(entry));
      if (event.breakGlass === undefined) continue;
      breakGlass += 1;
      const pending: BreakGlassEntry = {
        eventId,
        patient: event.patient,
        accessor: event.accessor,
        reason: event.breakGlass.reason,
        at: event.at,
        status: 'pending',
      };
      ctx.state.put(ACCESS_NAMESPACE, btgKey(custodian, eventId), toJson(pending));
    }
    // Counts only: events reach every SSE subscriber, so no pseudonyms or reasons.
    ctx.emit('recorded', { count: args.events.length, breakGlass, custodian });
    return undefined;
  },
});
