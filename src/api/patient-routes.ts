// Patient rights under /ledger/v1/patients/{pseudonym} and the break-glass
// review queue under /ledger/v1/orgs/{orgId}: thin doors over the HTTP-free
// use cases of src/fhir/secure/patient-report.ts (who may see what:
// src/fhir/secure/oversight.ts). Readable by the patient, their delegates
// (consents: 'read' or 'manage-consent'; disclosures: 'read'), and the
// custodian organisation's overseers; anyone else gets the 404 of an unknown
// pseudonym (no existence oracle).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ORG_ID_PATTERN } from '../contracts/governance/index.js';
import { PSEUDONYM_PATTERN, type DelegatePower } from '../contracts/identity/index.js';
import type { ConsentBook } from '../contracts/consent/index.js';
import type { Actor } from '../fhir/types.js';
import type { AccessLogStore } from '../fhir/secure/index.js';
import { assertOverseerOf, assertOversees } from '../fhir/secure/oversight.js';
import {
  breakGlassReview,
  disclosuresBundle,
  disclosuresJson,
  erasePatient,
  grantConsent,
  patientConsents,
  type PatientRightsDeps,
} from '../fhir/secure/patient-report.js';
import { parseEnvelope, RFC3339_MILLIS } from '../ledger/index.js';
import { ledgerPortOf, type LedgerNode } from '../node/index.js';
import { parseInput, pathParam } from './input.js';
import { registerTable, type RouteTable } from './routes.js';

const periodQuery = z.object({
  from: z.string().regex(RFC3339_MILLIS).optional(),
  to: z.string().regex(RFC3339_MILLIS).optional(),
  format: z.enum(['json', 'bundle']).default('json'),
});
const queueQuery = z.object({ status: z.enum(['pending', 'reviewed', 'all']).default('pending') });

export interface PatientRoutesDeps {
  node: LedgerNode;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** Crypto-shreds the patient's vault data after the erasure transaction committed. */
  erasePatient: (pseudonym: string) => Promise<{ records: number }>;
  /** This custodian's access log (off the ledger). */
  accessLog: AccessLogStore;
  /** Opens this custodian's patients' sealed consents. */
  consents: ConsentBook;
}

/** What the handlers get: the use cases' deps and the authenticator. */
interface Deps {
  rights: PatientRightsDeps;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
}

const nowIso = (): string => new Date().toISOString();
const patientOf = (request: FastifyRequest): string => pathParam(request.params, 'pseudonym', PSEUDONYM_PATTERN);

/** Authenticates and checks the caller oversees the patient (404 otherwise, as for an unknown pseudonym). */
async function overseer(deps: Deps, request: FastifyRequest, pseudonym: string, powers: readonly DelegatePower[]): Promise<Actor> {
  const actor = await deps.authenticate(request.headers.authorization);
  assertOversees(deps.rights.ledger.state, actor, pseudonym, powers, nowIso());
  return actor;
}

/** GET /ledger/v1/patients/{pseudonym}/consents */
async function getConsents(request: FastifyRequest, deps: Deps) {
  const pseudonym = patientOf(request);
  await overseer(deps, request, pseudonym, ['read', 'manage-consent']);
  return patientConsents(deps.rights, pseudonym);
}

/** POST /ledger/v1/patients/{pseudonym}/consents: a signed consent/grant, checked before it is ordered (4xx: never stored). */
async function postConsent(request: FastifyRequest, deps: Deps) {
  const pseudonym = patientOf(request);
  return grantConsent(deps.rights, pseudonym, parseEnvelope(request.body), nowIso());
}

/** GET /ledger/v1/patients/{pseudonym}/disclosures?from=&to=&format=json|bundle */
async function getDisclosures(request: FastifyRequest, deps: Deps, reply: FastifyReply) {
  const pseudonym = patientOf(request);
  await overseer(deps, request, pseudonym, ['read']);
  const { from, to, format } = parseInput(periodQuery, request.query, 'query');
  if (format === 'bundle') return reply.type('application/fhir+json; charset=utf-8').send(disclosuresBundle(deps.rights, pseudonym, from, to));
  return disclosuresJson(deps.rights, pseudonym, nowIso(), from, to);
}

/** POST /ledger/v1/patients/{pseudonym}/erasure: a signed identity/erase-patient, then crypto-shredding. */
async function postErasure(request: FastifyRequest, deps: Deps) {
  const pseudonym = patientOf(request);
  return erasePatient(deps.rights, pseudonym, parseEnvelope(request.body));
}

/** GET /ledger/v1/orgs/{orgId}/break-glass?status=pending|reviewed|all */
async function getBreakGlassQueue(request: FastifyRequest, deps: Deps) {
  const orgId = pathParam(request.params, 'orgId', ORG_ID_PATTERN);
  const { status } = parseInput(queueQuery, request.query, 'query');
  const actor = await deps.authenticate(request.headers.authorization);
  assertOverseerOf(actor, orgId);
  return breakGlassReview(deps.rights, actor, orgId, status, nowIso());
}

const ROUTES: RouteTable<Deps> = [
  ['GET', '/ledger/v1/patients/:pseudonym/consents', getConsents],
  ['POST', '/ledger/v1/patients/:pseudonym/consents', postConsent],
  ['GET', '/ledger/v1/patients/:pseudonym/disclosures', getDisclosures],
  ['POST', '/ledger/v1/patients/:pseudonym/erasure', postErasure],
  ['GET', '/ledger/v1/orgs/:orgId/break-glass', getBreakGlassQueue],
];

export function registerPatientRoutes(app: FastifyInstance, deps: PatientRoutesDeps): void {
  const { node, authenticate, accessLog, consents } = deps;
  const rights: PatientRightsDeps = { ledger: ledgerPortOf(node, node.orgId), accessLog, consents, erasePatient: deps.erasePatient };
  registerTable(app, ROUTES, { rights, authenticate });
}
