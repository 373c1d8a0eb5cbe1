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
import {
  CHANGE_REASONS,
  CONSENT_SIGNERS,
  CRF_ID_PATTERN,
  PARTICIPANT_PATTERN,
  TRIAL_ID_PATTERN,
  attestationSchema,
  registrationOf,
  trialIds,
  type StateScan,
} from '../contracts/trials/index.js';
import { KEY_ID_PATTERN } from '../crypto/index.js';
import { CareLedgerError, parseOrThrow } from '../errors/index.js';
import { ledgerPortOf } from '../fhir/secure/index.js';
import type { Actor } from '../fhir/types.js';
import type { ResultCode } from '../errors/index.js';
import type { LedgerNode, RecordsService } from '../node/index.js';
import { TrialsService, crfValuesSchema, datasetSchema, renderAuditReport, type TrialsLedger } from '../trials/index.js';

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
  patient: z.string().regex(/^pt-[0-9a-f]{32}$/),
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
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  const found = registrationOf(deps.ledger.state, deps.ledger.scan, trialId);
  if (found === undefined) throw new CareLedgerError('NOT_FOUND', 'no such trial');
  return found;
}

/** POST /trials/v1/trials/{trialId}/participants */
export async function addParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  const body = parseOrThrow(addParticipantBody, request.body, 'body');
  return deps.service.addParticipant(actor, trialId, body.patient, body.consentKeys);
}

/** GET /trials/v1/trials/{trialId}/participants */
export async function listParticipants(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  return { participants: deps.service.participants(actor, trialId) };
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/enrolment */
export async function enrolParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseOrThrow(participantParams, request.params, 'params');
  return deps.service.enrol(actor, trialId, participant);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/consents */
export async function carryConsent(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const { trialId, participant } = parseOrThrow(participantParams, request.params, 'params');
  const body = parseOrThrow(consentBody, request.body, 'body');
  return deps.service.carryStatement(trialId, participant, body.attestation, body.version);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/withdrawal */
export async function withdrawParticipant(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const { trialId, participant } = parseOrThrow(participantParams, request.params, 'params');
  const body = parseOrThrow(withdrawalBody, request.body ?? undefined, 'body');
  if (body?.attestation !== undefined) return deps.service.carryStatement(trialId, participant, body.attestation);
  return deps.service.withdrawForParticipant(await actorOf(deps, request), trialId, participant);
}

/** POST /trials/v1/trials/{trialId}/participants/{participant}/entries */
export async function captureEntry(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseOrThrow(participantParams, request.params, 'params');
  const body = parseOrThrow(captureBody, request.body, 'body');
  return deps.service.capture(actor, { trialId, participant, ...body });
}

/** GET /trials/v1/trials/{trialId}/participants/{participant}/entries/{visit}/{form} */
export async function readEntry(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant, visit, form } = parseOrThrow(entryParams, request.params, 'params');
  const { version } = parseOrThrow(entryQuery, request.query, 'query');
  return deps.service.entry(actor, trialId, participant, visit, form, version);
}

/** GET /trials/v1/trials/{trialId}/dataset */
export async function exportDataset(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  return deps.service.exportDataset(actor, trialId);
}

/** POST /trials/v1/trials/{trialId}/dataset/verify */
export async function verifyDataset(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  const dataset = parseOrThrow(datasetSchema, request.body, 'body');
  if (dataset.trialId !== trialId) throw new CareLedgerError('MALFORMED', 'the dataset is of another trial', { field: 'trialId' });
  return deps.service.verifyDataset(actor, dataset);
}

/** GET /trials/v1/trials/{trialId}/audit */
export async function auditTrail(request: FastifyRequest, reply: FastifyReply, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  const { format } = parseOrThrow(auditQuery, request.query, 'query');
  const trail = deps.service.auditTrail(actor, trialId);
  return format === 'text' ? reply.type('text/plain; charset=utf-8').send(renderAuditReport(trail)) : reply.send(trail);
}

/** GET /trials/v1/trials/{trialId}/report */
export async function resultsReport(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  return deps.service.resultsReport(actor, trialId);
}

/** GET /trials/v1/trials/{trialId}/fhir: the trial as a FHIR R4 ResearchStudy. */
export async function researchStudy(request: FastifyRequest, deps: TrialsRoutesDeps) {
  await actorOf(deps, request);
  const { trialId } = parseOrThrow(trialParams, request.params, 'params');
  return deps.service.researchStudy(trialId);
}

/** GET .../participants/{participant}/fhir: ResearchSubject and Consents, to the participant's site only. */
export async function participantFhir(request: FastifyRequest, deps: TrialsRoutesDeps) {
  const actor = await actorOf(deps, request);
  const { trialId, participant } = parseOrThrow(participantParams, request.params, 'params');
  return deps.service.participantBundle(actor, trialId, participant);
}

/** Wires the handlers to their paths. */
export function registerTrialsRoutes(app: FastifyInstance, deps: TrialsRoutesDeps): void {
  const base = '/trials/v1/trials';
  const p = `${base}/:trialId/participants/:participant`;
  app.get(base, (request) => listTrials(request, deps));
  app.get(`${base}/:trialId`, (request) => getRegistration(request, deps));
  app.post(`${base}/:trialId/participants`, (request) => addParticipant(request, deps));
  app.get(`${base}/:trialId/participants`, (request) => listParticipants(request, deps));
  app.post(`${p}/enrolment`, (request) => enrolParticipant(request, deps));
  app.post(`${p}/consents`, (request) => carryConsent(request, deps));
  app.post(`${p}/withdrawal`, (request) => withdrawParticipant(request, deps));
  app.post(`${p}/entries`, (request) => captureEntry(request, deps));
  app.get(`${p}/entries/:visit/:form`, (request) => readEntry(request, deps));
  app.get(`${base}/:trialId/dataset`, (request) => exportDataset(request, deps));
  app.post(`${base}/:trialId/dataset/verify`, { bodyLimit: 256 * 1024 * 1024 }, (request) => verifyDataset(request, deps));
  app.get(`${base}/:trialId/audit`, (request, reply) => auditTrail(request, reply, deps));
  app.get(`${base}/:trialId/report`, (request) => resultsReport(request, deps));
  app.get(`${base}/:trialId/fhir`, (request) => researchStudy(request, deps));
  app.get(`${p}/fhir`, (request) => participantFhir(request, deps));
}

/**
 * The trials routes' dependencies on a records-serving node. The port is
 * built from the FHIR side's port plus the head and block transactions;
 * when src/node exports its LedgerPort (issue 10), this becomes that one call.
 */
export function trialsDepsOf(node: LedgerNode, records: RecordsService, authenticate: TrialsRoutesDeps['authenticate']): TrialsRoutesDeps {
  const fhirPort = ledgerPortOf(node, records.exchange.custodian.ledger.orgId);
  const ledger: TrialsLedger = {
    networkId: fhirPort.networkId,
    orgId: fhirPort.orgId,
    nodeKey: fhirPort.nodeKey,
    state: fhirPort.state,
    scan: fhirPort.scan as StateScan,
    now: () => fhirPort.now(),
    submit: (envelopes) => fhirPort.submit([...envelopes]),
    head: () => node.head,
    blockTxs: (height) =>
      node.store.blockTxs(height).map((t) => ({ ...t, code: t.code as ResultCode, events: [] })),
  };
  return { service: new TrialsService({ ledger, vault: records.vault }), ledger, authenticate };
}
