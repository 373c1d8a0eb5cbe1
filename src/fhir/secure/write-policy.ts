// Who may write what (ARCHITECTURE principle 7: "writes are checked like
// reads"; issue 9, finding 4). Rules, decided once per request and per patient:
//  - create (FHIR Consent action 'collect') and update ('correct'): an active
//    practitioner of the custodian organisation whose consent covers the
//    patient, the resource type, its restricted labels (those of the current
//    version AND of the new one) and the purpose; or one breaking the glass
//    (ETREAT/BTG with a reason: emergency documentation, flagged on the
//    access event like a break-glass read). Breaking the glass never
//    deletes: a delete needs the consent or the org-admin role below. An org admin writes only
//    resources outside any patient compartment (Practitioner, Location, ...).
//  - the patient writes its own Patient resource (demographics), nothing
//    else: clinical records are the custodian's. Delegates write nothing
//    (no delegation power covers record writes).
//  - delete: an active practitioner of the custodian whose consent permits
//    'correct' for the resource, or an org admin of the custodian (records
//    management, no consent needed); always with a reason, which is sealed
//    into the tombstone version (anchored like any version) and the delete
//    is an access event with interaction 'delete'.
// Refusals that depend on a resource are not existence oracles: the caller
// turns them into NOT_FOUND `<Type>/<id> not found`, the answer of a missing
// resource (writes.ts).
import type { DecisionMemo } from '../../contracts/consent/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { RequestContext } from '../types.js';
import { breakGlassOf, type Verdict } from './policy.js';
import { requireScope, type ScopePermission } from '../../auth/scopes.js';
import { isActiveMember } from '../../contracts/identity/index.js';
import type { LedgerPort } from '../../ledger/index.js';

export type WriteKind = 'create' | 'update' | 'delete';
/** FHIR consentaction codes of writes. */
export type WriteAction = 'collect' | 'correct';

const PERMISSION: Record<WriteKind, ScopePermission> = { create: 'c', update: 'u', delete: 'd' };
const PERMIT: Verdict = { permit: true, consentIds: [] };
const DENY: Verdict = { permit: false, consentIds: [] };

/** A short UTF-8 text: 3 to 500 characters, one line, no control characters, well-formed. */
const REASON = /^[^\p{Cc}\p{Zl}\p{Zp}]{3,500}$/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The delete reason of a request, checked; UNPROCESSABLE when missing or malformed. */
export function deleteReasonOf(ctx: RequestContext): string {
  const reason = ctx.deleteReason?.trim();
  if (reason === undefined || reason === '') {
    throw new CareLedgerError('UNPROCESSABLE', 'a delete needs a reason (header X-Delete-Reason or query parameter reason)', { field: 'reason' });
  }
  if (!REASON.test(reason) || LONE_SURROGATE.test(reason)) {
    throw new CareLedgerError('UNPROCESSABLE', 'the delete reason must be one line of 3 to 500 characters', { field: 'reason' });
  }
  return reason;
}

/**
 * Checks what does not depend on the resource (so answers the same for any
 * id): the actor kind, its membership and role at the custodian, its SMART
 * scope, and a delete's reason. FORBIDDEN or UNPROCESSABLE.
 */
export function authorizeWriter(ctx: RequestContext, port: LedgerPort, resourceType: string, kind: WriteKind): void {
  const actor = ctx.actor;
  if (actor.kind === 'delegate') throw new CareLedgerError('FORBIDDEN', 'delegates do not write records', { field: 'actor' });
  if (actor.kind === 'patient') {
    if (kind !== 'update' || resourceType !== 'Patient') {
      throw new CareLedgerError('FORBIDDEN', 'a patient writes only its own Patient resource', { field: 'actor' });
    }
    requireScope(actor.scopes, resourceType, PERMISSION[kind]);
    return;
  }
  if (actor.orgId !== port.orgId) {
    throw new CareLedgerError('FORBIDDEN', 'only members of the custodian organisation may write records', { field: 'actor' });
  }
  if (!actor.roles.includes('practitioner') && !actor.roles.includes('org-admin')) {
    throw new CareLedgerError('FORBIDDEN', 'writing records needs the practitioner or org-admin role', { field: 'actor' });
  }
  if (!isActiveMember(port.state, actor.orgId, actor.memberId)) {
    throw new CareLedgerError('FORBIDDEN', 'member is not active on the ledger', { field: 'actor' });
  }
  requireScope(actor.scopes, resourceType, PERMISSION[kind]);
  if (ctx.purpose === 'BTG' && breakGlassOf(ctx) === undefined) {
    throw new CareLedgerError('FORBIDDEN', 'purpose BTG needs a break-glass reason from a practitioner', { field: 'purpose' });
  }
  if (kind === 'delete') deleteReasonOf(ctx);
}

/** Decides one write of one patient's resource: its action, type and labels. */
export type WriteGate = (pseudonym: string, action: WriteAction, resourceType: string, labels: readonly string[], kind: WriteKind) => Verdict;

/**
 * The write policy of a request (authorizeWriter already passed), deciding
 * per patient with the consent memo; for resources in a patient compartment only.
 */
export function writeGate(ctx: RequestContext, port: LedgerPort, memo: DecisionMemo): WriteGate {
  const actor = ctx.actor;
  if (actor.kind !== 'member') {
    return (pseudonym, _action, resourceType) =>
      actor.kind === 'patient' && pseudonym === actor.pseudonym && resourceType === 'Patient' ? PERMIT : DENY;
  }
  const practitioner = actor.roles.includes('practitioner');
  const admin = actor.roles.includes('org-admin');
  const breakGlass = practitioner && actor.orgId === port.orgId ? breakGlassOf(ctx) : undefined;
  const now = port.now();
  return (pseudonym, action, resourceType, labels, kind) => {
    if (kind === 'delete' && admin) return PERMIT;
    if (!practitioner) return DENY;
    if (breakGlass !== undefined && kind !== 'delete') return PERMIT;
    const decider = memo.prepare(port.state, { patient: pseudonym, requester: { orgId: actor.orgId, memberId: actor.memberId }, action, purpose: ctx.purpose }, now);
    const d = decider({ resourceType, securityLabels: labels });
    return { permit: d.decision === 'permit', consentIds: d.consentIds };
  };
}

/** Outside any patient compartment: practitioners and org admins of the custodian (authorizeWriter checked them). */
export function maySharedWrite(ctx: RequestContext): boolean {
  return ctx.actor.kind === 'member';
}
