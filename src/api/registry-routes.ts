// Identity and governance queries under /ledger/v1: organisations, members,
// keys, proposals and the network configuration; lists page with
// ?after=<key>&limit=. Who sees what (finding 3 of issue 9):
// - public: the network configuration, organisations (with their admin and
//   node keys and endpoints), proposals, and the key records of node and
//   org-admin keys: anyone verifying a checkpoint or a cosignature needs the
//   node keys and which organisation holds them, and governance is the
//   consortium's public constitution (no patient and no care in it);
// - ledger readers (ledger-access.ts): everything, including member lists;
// - a patient's registry entry: the patient, their delegates, members of the
//   custodian organisation and ledger readers; everyone else gets the same
//   404 as for an unknown pseudonym, so the route is no existence oracle;
// - member, patient and delegate key records: ledger readers, the key's own
//   organisation (member keys) or patient (patient and delegate keys); else
//   the 404 of an unknown key, so a key id never leads to its owner.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { keyRecord } from '../contracts/keys/index.js';
import { listOrgs, listProposals, networkConfig, orgRecord, proposalRecord } from '../contracts/governance/index.js';
import { listMembers, patientRecord } from '../contracts/identity/index.js';
import { KEY_ID_PATTERN } from '../crypto/index.js';
import type { JsonValue, LedgerPort } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { ledgerPortOf, type LedgerNode } from '../node/index.js';
import { parseInput, pathParam } from './input.js';
import { viewerOf, type LedgerAccessOptions, type Viewer } from './ledger-access.js';
import { registerTable, type RouteTable } from './routes.js';

const PUBLIC_KEY_KINDS = ['node', 'org-admin'];

/** Whether the viewer may see a patient's registry entry (custodian: the patient record's custodian org). */
function mayViewPatient(viewer: Viewer, pseudonym: string, custodian: JsonValue | undefined): boolean {
  if (viewer.kind === 'reader') return true;
  if (viewer.kind !== 'actor') return false;
  const a = viewer.actor;
  return a.kind === 'member' ? typeof custodian === 'string' && a.orgId === custodian : a.pseudonym === pseudonym;
}

/** Whether the viewer may see a key record. */
function mayViewKey(viewer: Viewer, record: { [k: string]: JsonValue }): boolean {
  if (viewer.kind === 'reader' || PUBLIC_KEY_KINDS.includes(String(record['kind']))) return true;
  if (viewer.kind !== 'actor') return false;
  const a = viewer.actor;
  if (a.kind === 'member') return record['kind'] === 'member' && record['org'] === a.orgId;
  return (record['kind'] === 'patient' && record['owner'] === a.pseudonym) || (record['kind'] === 'delegate' && record['patient'] === a.pseudonym);
}

/** Ids in registry paths: looser than the contracts' patterns on purpose (an unknown id is a 404, not a 400). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const pageQuery = z.object({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

interface Deps {
  node: LedgerNode;
  port: LedgerPort;
  access: LedgerAccessOptions;
}

/** The record, or NOT_FOUND naming what was asked for. */
function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CareLedgerError('NOT_FOUND', `no such ${what}`);
  return value;
}

const pageOf = (request: FastifyRequest) => parseInput(pageQuery, request.query, 'query');
const scanOf = (deps: Deps) => deps.port.scan.bind(deps.port);

/** GET /ledger/v1/network */
async function getNetwork(_request: FastifyRequest, deps: Deps) {
  return found(networkConfig(deps.port.state), 'config');
}

/** GET /ledger/v1/orgs?after=&limit= */
async function getOrgs(request: FastifyRequest, deps: Deps) {
  const { after, limit } = pageOf(request);
  return listOrgs(scanOf(deps), limit, after);
}

/** GET /ledger/v1/orgs/{orgId} */
async function getOrgRecord(request: FastifyRequest, deps: Deps) {
  const orgId = pathParam(request.params, 'orgId', ID);
  return found(orgRecord(deps.port.state, orgId), 'org');
}

/** GET /ledger/v1/orgs/{orgId}/members?after=&limit=: ledger readers only. */
async function getMembers(request: FastifyRequest, deps: Deps) {
  const orgId = pathParam(request.params, 'orgId', ID);
  const viewer = await viewerOf(request, deps.node, deps.access);
  if (viewer.kind === 'anonymous') throw new CareLedgerError('UNAUTHENTICATED', 'member lists need ledger reader credentials');
  if (viewer.kind !== 'reader') throw new CareLedgerError('FORBIDDEN', 'member lists are for member nodes, auditors and org admins');
  const { after, limit } = pageOf(request);
  return listMembers(scanOf(deps), orgId, limit, after);
}

/** GET /ledger/v1/keys/{keyId}: the 404 of an unknown key for a viewer who may not see it. */
async function getKeyRecord(request: FastifyRequest, deps: Deps) {
  const keyId = pathParam(request.params, 'keyId', KEY_ID_PATTERN);
  const viewer = await viewerOf(request, deps.node, deps.access);
  const record = keyRecord(deps.port.state, keyId) as { [k: string]: JsonValue } | undefined;
  if (record === undefined || !mayViewKey(viewer, record)) throw new CareLedgerError('NOT_FOUND', 'no such key');
  return record;
}

/** GET /ledger/v1/proposals?after=&limit= */
async function getProposals(request: FastifyRequest, deps: Deps) {
  const { after, limit } = pageOf(request);
  return listProposals(scanOf(deps), limit, after);
}

/** GET /ledger/v1/proposals/{proposalId} */
async function getProposal(request: FastifyRequest, deps: Deps) {
  const proposalId = pathParam(request.params, 'proposalId', ID);
  return found(proposalRecord(deps.port.state, proposalId), 'proposal');
}

/** GET /ledger/v1/patients/{pseudonym}: the 404 of an unknown pseudonym for a viewer who may not see it. */
async function getPatientEntry(request: FastifyRequest, deps: Deps) {
  const pseudonym = pathParam(request.params, 'pseudonym', ID);
  const viewer = await viewerOf(request, deps.node, deps.access);
  const record = patientRecord(deps.port.state, pseudonym) as { [k: string]: JsonValue } | undefined;
  if (record === undefined || !mayViewPatient(viewer, pseudonym, record['custodian'])) throw new CareLedgerError('NOT_FOUND', 'no such patient');
  return record;
}

const ROUTES: RouteTable<Deps> = [
  ['GET', '/ledger/v1/network', getNetwork],
  ['GET', '/ledger/v1/orgs', getOrgs],
  ['GET', '/ledger/v1/orgs/:orgId', getOrgRecord],
  ['GET', '/ledger/v1/orgs/:orgId/members', getMembers],
  ['GET', '/ledger/v1/keys/:keyId', getKeyRecord],
  ['GET', '/ledger/v1/proposals', getProposals],
  ['GET', '/ledger/v1/proposals/:proposalId', getProposal],
  ['GET', '/ledger/v1/patients/:pseudonym', getPatientEntry],
];

export function registerRegistryRoutes(app: FastifyInstance, node: LedgerNode, access: LedgerAccessOptions = {}): void {
  registerTable(app, ROUTES, { node, port: ledgerPortOf(node, node.orgId), access });
}
