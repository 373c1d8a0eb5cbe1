// Why a read was refused, for the member who was refused (the portal's
// clinician page): GET /ledger/v1/patients/{p}/access-explanation
//   ?resourceType=Observation&purpose=TREAT&action=access
// answers the consent decision for the signed-in member with the consent ids
// it relied on and one sentence. FHIR keeps answering refused reads with the
// 404 of a missing id (no existence oracle); this route is asked about a
// patient by name and keeps that promise: an unknown, erased or unreadable
// patient answers exactly like a patient without a consent for the caller
// ('no-consent'). Only consents that name the caller (or the caller's
// organisation) can change the answer, so it tells a member nothing about
// consents of which it is not a party. Members only; a patient or a delegate
// reads the consents themselves. Decided with no security labels: a record
// labelled PSY, HIV, ... can still be refused when this says 'permitted'.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { prepareDecision, type DecisionReason } from '../contracts/consent/index.js';
import { authenticate } from '../auth/index.js';
import { CareLedgerError } from '../errors/index.js';
import type { LedgerNode, RecordsService } from '../node/index.js';
import { parseInput } from './input.js';
import { PSEUDONYM_PATTERN } from '../contracts/identity/index.js';

const PURPOSES = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'ETREAT', 'BTG'] as const;
const query = z.strictObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/).default('Observation'),
  purpose: z.enum(PURPOSES).default('TREAT'),
  action: z.enum(['access', 'collect', 'correct']).default('access'),
});

/** What the caller may learn: reasons that would reveal a patient's existence fold into 'no-consent'. */
export type ExplainedReason = Exclude<DecisionReason, 'unknown-patient' | 'patient-erased' | 'consent-unreadable'>;

export function explanationText(reason: ExplainedReason, resourceType: string, purpose: string, consentIds: readonly string[]): string {
  const ids = consentIds.join(', ');
  switch (reason) {
    case 'permitted':
      return `Consent ${ids} lets you read ${resourceType} resources of this patient for ${purpose}.`;
    case 'denied-by-provision':
      return `Consent ${ids} of this patient denies you ${resourceType} resources for ${purpose}: the patient's deny provision wins over any permit.`;
    case 'expired':
      return `Consent ${ids} that let you read ${resourceType} resources for ${purpose} has ended.`;
    case 'requester-inactive':
      return 'Your membership or your organisation is not active on the ledger.';
    case 'no-consent':
      return `No active consent of this patient lets you read ${resourceType} resources for ${purpose}: it was never granted, or it was revoked.`;
  }
}

export function registerAccessExplanationRoutes(app: FastifyInstance, deps: { node: LedgerNode; records: RecordsService }): void {
  app.get('/ledger/v1/patients/:pseudonym/access-explanation', async (request) => {
    const { pseudonym } = parseInput(z.strictObject({ pseudonym: z.string().regex(PSEUDONYM_PATTERN) }), request.params, 'params');
    const q = parseInput(query, request.query, 'query');
    const actor = await authenticate(request.headers.authorization, deps.records.auth);
    if (actor.kind !== 'member') throw new CareLedgerError('FORBIDDEN', 'explanations are for members; patients read their consents');
    const decider = prepareDecision(
      deps.node.state,
      { patient: pseudonym, requester: { orgId: actor.orgId, memberId: actor.memberId }, action: q.action, purpose: q.purpose },
      new Date().toISOString(),
      deps.records.repository.consents,
    );
    const d = decider({ resourceType: q.resourceType, securityLabels: [] });
    const hidden = d.reason === 'unknown-patient' || d.reason === 'patient-erased' || d.reason === 'consent-unreadable';
    const reason: ExplainedReason = hidden ? 'no-consent' : (d.reason as ExplainedReason);
    const consentIds = hidden ? [] : d.consentIds;
    return {
      decision: d.decision,
      reason,
      consentIds,
      resourceType: q.resourceType,
      purpose: q.purpose,
      text: explanationText(reason, q.resourceType, q.purpose, consentIds),
    };
  });
}
