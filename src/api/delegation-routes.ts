// Who acts for a patient, as notices (ARCHITECTURE section 1.7):
//   GET /ledger/v1/patients/{pseudonym}/delegations  the patient, or an active
//       delegate of that patient holding 'read'; anyone else gets the same 404
//       as for an unknown pseudonym (no existence oracle).
//   GET /ledger/v1/orgs/{orgId}/delegations          the org's privacy officers
//       and org admins: every appointment the org proposed (pending, active,
//       ended) with who proposed and approved it and on which legal basis.
// Thin handlers over identity's HTTP-free queries; statuses are computed at
// request time (delegationStatus).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ORG_ID_PATTERN } from '../contracts/governance/index.js';
import { PSEUDONYM_PATTERN, appointmentsOfOrg, delegateMay, delegationsOfPatient, type DelegationView } from '../contracts/identity/index.js';
import type { Actor } from '../fhir/types.js';
import { type LedgerPort, type StateReader } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { parseInput } from './input.js';
import { registerTable, type RouteTable } from './routes.js';

const patientParams = z.strictObject({ pseudonym: z.string().regex(PSEUDONYM_PATTERN) });
const orgParams = z.strictObject({ orgId: z.string().regex(ORG_ID_PATTERN) });
const ORG_ROLES = ['privacy-officer', 'org-admin'];

export interface DelegationRoutesDeps {
  /** Committed state through the ledger port (src/ledger/port.ts). */
  ledger: Pick<LedgerPort, 'state' | 'scan'>;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** Clock in ms (tests inject one); default Date.now. */
  now?: () => number;
}

/** The patient itself, or an active delegate of it with 'read' (as of nowIso). */
export function mayReadDelegations(state: StateReader, actor: Actor, pseudonym: string, nowIso: string): boolean {
  if (actor.kind === 'patient') return actor.pseudonym === pseudonym;
  if (actor.kind === 'delegate') return actor.pseudonym === pseudonym && delegateMay(state, pseudonym, actor.delegateId, 'read', nowIso);
  return false;
}

/** GET /ledger/v1/patients/{pseudonym}/delegations. */
export async function patientDelegations(
  deps: DelegationRoutesDeps,
  params: unknown,
  authorization: string | undefined,
): Promise<{ pseudonym: string; delegations: DelegationView[] }> {
  const { pseudonym } = parseInput(patientParams, params, 'params');
  const actor = await deps.authenticate(authorization);
  const state = deps.ledger.state;
  const nowIso = new Date(deps.now?.() ?? Date.now()).toISOString();
  if (!mayReadDelegations(state, actor, pseudonym, nowIso)) throw new CareLedgerError('NOT_FOUND', 'no such patient');
  return { pseudonym, delegations: delegationsOfPatient(state, deps.ledger.scan, pseudonym, nowIso) };
}

/** GET /ledger/v1/orgs/{orgId}/delegations. */
export async function orgDelegations(
  deps: DelegationRoutesDeps,
  params: unknown,
  authorization: string | undefined,
): Promise<{ orgId: string; delegations: DelegationView[] }> {
  const { orgId } = parseInput(orgParams, params, 'params');
  const actor = await deps.authenticate(authorization);
  if (actor.kind !== 'member' || actor.orgId !== orgId || !actor.roles.some((r) => ORG_ROLES.includes(r))) {
    throw new CareLedgerError('FORBIDDEN', "only the organisation's privacy officers and org admins");
  }
  const nowIso = new Date(deps.now?.() ?? Date.now()).toISOString();
  return { orgId, delegations: appointmentsOfOrg(deps.ledger.state, deps.ledger.scan, orgId, nowIso) };
}

const ROUTES: RouteTable<DelegationRoutesDeps> = [
  ['GET', '/ledger/v1/patients/:pseudonym/delegations', async (request, deps) => patientDelegations(deps, request.params, request.headers.authorization)],
  ['GET', '/ledger/v1/orgs/:orgId/delegations', async (request, deps) => orgDelegations(deps, request.params, request.headers.authorization)],
];

export function registerDelegationRoutes(app: FastifyInstance, deps: DelegationRoutesDeps): void {
  registerTable(app, ROUTES, deps);
}
