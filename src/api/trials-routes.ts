// The trials door, /trials/v1 (issue 13), thin handlers over the HTTP-free
// trials service of this site's node. Who may call what, and what they learn:
//   GET  /trials/v1/trials, /trials/v1/trials/{trialId}        any authenticated caller: registrations are public
//   POST .../participants                                      a site investigator: adds a patient under its per-trial pseudonym
//   GET  .../participants                                      a site investigator: this site's participants only
//   POST .../participants/{p}/enrolment                        a site investigator of p's site (RULE_VIOLATION before consent)
//   POST .../participants/{p}/entries                          a site investigator of p's site: capture (vault + anchor)
//   GET  .../participants/{p}/entries/{visit}/{form}           a site investigator of p's site; anyone else gets the 404 of an unknown participant
//   POST .../participants/{p}/consents                         no token: the participant's signed statement is the credential
//   POST .../participants/{p}/withdrawal                       the participant's signed statement, or a site investigator's token
//   GET  .../dataset, POST .../dataset/verify                  export: a site investigator; verify: any party to the trial
//   GET  .../audit?format=json|text, GET .../report            sponsor members, site investigators, auditors of their orgs
//   GET  .../fhir (ResearchStudy), .../participants/{p}/fhir   as the registration; as the participant's entries (ResearchSubject, Consent)
// Registration, amendments, lock, results and Part 11 signatures are signed by
// a person's own key and submitted to /ledger/v1/transactions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PSEUDONYM_PATTERN } from '../contracts/identity/index.js';
import {
  CHANGE_REASONS,
  CONSENT_SIGNERS,
  CRF_ID_PATTERN,
  PARTICIPANT_PATTERN,
  TRIAL_ID_PATTERN,
  attestationSchema,
  registrationOf,
  trialIds,
} from '../contracts/trials/index.js';
import { KEY_ID_PATTERN } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import type { Actor } from '../fhir/types.js';
import type { LedgerPort } from '../ledger/index.js';
import { TrialsService, crfValuesSchema, datasetSchema, renderAuditReport, type TrialsLedger } from '../trials/index.js';
import type { Vault } from '../vault/index.js';
import { parseInput } from './input.js';
import { registerTable, type RouteTable } from './routes.js';

export interface TrialsRoutesDeps {
  service: TrialsService;
  /** Public registrations are read straight from committed state. */
  ledger: Pick<TrialsLedger, 'state' | 'scan'>;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
}

const trialParams = z.strictObject({ trialId: z.string().regex(TRIAL_ID_PATTERN) });
const participantParams = trialParams.extend({ participant: z.string().regex(PARTICIPANT_PATTERN) });
const entryParams = participantParams.extend({ visit: z.string().regex(CRF_ID_PATTERN), form: z.string().regex(CRF_ID_PATTERN) });
const entryQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
const addParticipantBody = z.strictObject({
  patient: z.string().regex(PSEUDONYM_PATTERN),
  consentKeys: z.array(z.strictObject({ keyId: z.string().regex(KEY_ID_PATTERN), role: z.enum(CONSENT_SIGNERS) })).min(1).max(3),
});
const consentBody = z.strictObject({ version: z.number().int().min(1), attestation: attestationSchema });
const withdrawalBody = z.strictObject({ attestation: attestationSchema.optional() }).optional();
const captureBody = z.strictObject({
  visit: z.string().regex(CRF_ID_PATTERN),
  form: z.string().regex(CRF_ID_PATTERN),
  values: crfValuesSchema,
  reason: z.enum(CHANGE_REASONS),
  note: z.string().min(1).max(1000).optional(),
});
const auditQuery = z.strictObject({ format: z.enum(['json', 'text']).default('json') });

const actorOf = (deps: TrialsRoutesDeps, request: FastifyRequest): Promise<Actor> => deps.authenticate(request.headers.authorization);

/** GET /trials/v1/trials */
export async function listTrials(request: FastifyRequest, deps: TrialsRoutesDeps) {
  await actorOf(deps, request);
  return { trials: trialIds(deps.ledger.scan) };
}

/** GET /trials/v1/trials/{trialId} */
export async function getRegistration(request: FastifyRequest, deps: TrialsRoutesDeps) {
  await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  const found = registrationOf(deps.ledger.state, deps.ledger.scan, trialId);
  if (found === undefined) throw new CareLedgerError('NOT_FOUND', 'no such trial');
  return found;
}

/** POST /trials/v1/trials/{trialId}/participants */
export async function addParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  const body = parseInput(addParticipantBody, request.body, 'body');
  return deps.service.addParticipant(actor, trialId, body.patient, body.consentKeys);
}

/** GET /trials/v1/trials/{trialId}/participants */
export async function listParticipants(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  return { participants: deps.service.participants(actor, trialId) };
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/enrolment */
export async function enrolParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseInput(participantParams, request.params, 'params');
  return deps.service.enrol(actor, trialId, participant);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/consents */
export async function carryConsent(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const { trialId, participant } = parseInput(participantParams, request.params, 'params');
  const body = parseInput(consentBody, request.body, 'body');
  return deps.service.carryStatement(trialId, participant, body.attestation, body.version);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/withdrawal */
export async function withdrawParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const { trialId, participant } = parseInput(participantParams, request.params, 'params');
  const body = parseInput(withdrawalBody, request.body ?? undefined, 'body');
  if (body?.attestation !== undefined) return deps.service.carryStatement(trialId, participant, body.attestation);
  return deps.service.withdrawForParticipant(await actorOf(deps, request), trialId, participant);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/entries */
export async function captureEntry(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseInput(participantParams, request.params, 'params');
  const body = parseInput(captureBody, request.body, 'body');
  return deps.service.capture(actor, { trialId, participant, ...body });
}

/** GET /trials/v1/trials/{trialId}/participants/{participant}/entries/{visit}/{form} */
export async function readEntry(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant, visit, form } = parseInput(entryParams, request.params, 'params');
  const { version } = parseInput(entryQuery, request.query, 'query');
  return deps.service.entry(actor, trialId, participant, visit, form, version);
}

/** GET /trials/v1/trials/{trialId}/dataset */
export async function exportDataset(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  return deps.service.exportDataset(actor, trialId);
}

/** POST /trials/v1/trials/{trialId}/dataset/verify */
export async function verifyDataset(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  const dataset = parseInput(datasetSchema, request.body, 'body');
  if (dataset.trialId !== trialId) throw new CareLedgerError('MALFORMED', 'the dataset is of another trial', { field: 'trialId' });
  return deps.service.verifyDataset(actor, dataset);
}

/** GET /trials/v1/trials/{trialId}/audit */
export async function auditTrail(request: FastifyRequest, deps: TrialsRoutesDeps, reply: FastifyReply) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  const { format } = parseInput(auditQuery, request.query, 'query');
  const trail = deps.service.auditTrail(actor, trialId);
  return format === 'text' ? reply.type('text/plain; charset=utf-8').send(renderAuditReport(trail)) : reply.send(trail);
}

/** GET /trials/v1/trials/{trialId}/report */
export async function resultsReport(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  return deps.service.resultsReport(actor, trialId);
}

/** GET /trials/v1/trials/{trialId}/fhir: the trial as a FHIR R4 ResearchStudy. */
export async function researchStudy(request: FastifyRequest, deps: TrialsRoutesDeps) {
  await actorOf(deps, request);
  const { trialId } = parseInput(trialParams, request.params, 'params');
  return deps.service.researchStudy(trialId);
}

/** GET .../participants/{participant}/fhir: ResearchSubject and Consents, to the participant's site only. */
export async function participantFhir(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseInput(participantParams, request.params, 'params');
  return deps.service.participantBundle(actor, trialId, participant);
}

const BASE = '/trials/v1/trials';
const PARTICIPANT = `${BASE}/:trialId/participants/:participant`;
/** A dataset of 100,000 rows is about 20 MB of JSON. */
const DATASET_BODY_LIMIT = 256 * 1024 * 1024;

const ROUTES: RouteTable<TrialsRoutesDeps> = [
  ['GET', BASE, listTrials],
  ['GET', `${BASE}/:trialId`, getRegistration],
  ['POST', `${BASE}/:trialId/participants`, addParticipant],
  ['GET', `${BASE}/:trialId/participants`, listParticipants],
  ['POST', `${PARTICIPANT}/enrolment`, enrolParticipant],
  ['POST', `${PARTICIPANT}/consents`, carryConsent],
  ['POST', `${PARTICIPANT}/withdrawal`, withdrawParticipant],
  ['POST', `${PARTICIPANT}/entries`, captureEntry],
  ['GET', `${PARTICIPANT}/entries/:visit/:form`, readEntry],
  ['GET', `${BASE}/:trialId/dataset`, exportDataset],
  ['POST', `${BASE}/:trialId/dataset/verify`, verifyDataset, { bodyLimit: DATASET_BODY_LIMIT }],
  ['GET', `${BASE}/:trialId/audit`, auditTrail],
  ['GET', `${BASE}/:trialId/report`, resultsReport],
  ['GET', `${BASE}/:trialId/fhir`, researchStudy],
  ['GET', `${PARTICIPANT}/fhir`, participantFhir],
];

export function registerTrialsRoutes(app: FastifyInstance, deps: TrialsRoutesDeps): void {
  registerTable(app, ROUTES, deps);
}

/** The trials routes' dependencies: this node's ledger port and its vault (CRF data, the site secret). */
export function trialsDepsOf(ledger: LedgerPort, vault: Vault, authenticate: TrialsRoutesDeps['authenticate']): TrialsRoutesDeps {
  const port: TrialsLedger = ledger;
  return { service: new TrialsService({ ledger: port, vault }), ledger: port, authenticate };
}
