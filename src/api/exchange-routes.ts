// Node-to-node exchange over HTTP (docs/exchange.md), thin over exchange/:
//   POST /exchange/v1/requests   custodian side: a signed request from another
//                                node in, a signed response with ONE sealed bundle out
//   GET  /exchange/v1/patients/{pseudonym}/everything?purpose=&_type=&custodian=
//                                requester side: a practitioner of this organisation
//                                (bearer token) gathers the patient's verified records
//                                from every custodian consent allows, plus this
//                                node's own, as a FHIR searchset Bundle; asking
//                                other custodians needs the member's signed
//                                authorisation (header CareLedger-Exchange-Authorization)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readableResourceTypes } from '../auth/index.js';
import { ORG_ID_PATTERN } from '../contracts/governance/index.js';
import { PSEUDONYM_PATTERN } from '../contracts/identity/index.js';
import {
  EXCHANGE_PATH,
  EXCHANGE_PURPOSES,
  answerExchangeRequest,
  signedMemberAuthorizationSchema,
  type CustodianDeps,
  type SignedMemberAuthorization,
  type RequesterDeps,
} from '../exchange/index.js';
import { everythingAcrossCustodians } from '../exchange/everything.js';
import { fromBase64Url } from '../crypto/index.js';
import type { Actor, FhirResource, RequestContext } from '../fhir/types.js';
import { CareLedgerError } from '../errors/index.js';
import { sendError } from './errors.js';
import { parseInput, pathParam } from './input.js';
import { registerTable, type RouteTable } from './routes.js';

export interface ExchangeRoutesDeps {
  custodian: CustodianDeps;
  requester: RequesterDeps;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** This node's own records of the patient the actor may read (the local $everything); omitted: none. */
  localEverything?: (ctx: RequestContext, pseudonym: string) => Promise<FhirResource[]>;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

const everythingQuery = z.object({
  purpose: z.enum(EXCHANGE_PURPOSES).default('TREAT'),
  _type: z
    .string()
    .max(2000)
    .transform((s) => s.split(',').filter((t) => t !== ''))
    .refine((l) => l.length > 0 && l.length <= 64 && l.every((t) => RESOURCE_TYPE.test(t)), 'comma-separated resource types')
    .optional(),
  custodian: z.string().regex(ORG_ID_PATTERN).optional(),
});

/** The member's signed exchange authorisation: base64url(JSON) of a SignedMemberAuthorization (docs/exchange.md). */
export const AUTHORIZATION_HEADER = 'careledger-exchange-authorization';

/** Parses the member's authorisation and checks it is the caller's, for this patient and purpose. */
function memberAuthorizationOf(
  header: string | string[] | undefined,
  requester: { orgId: string; memberId: string },
  patient: string,
  purpose: string,
): SignedMemberAuthorization {
  if (typeof header !== 'string' || header === '') {
    throw new CareLedgerError('UNAUTHENTICATED', 'asking other custodians needs the member-signed CareLedger-Exchange-Authorization header', {
      field: 'authorization',
    });
  }
  const bytes = header.length <= 8192 ? fromBase64Url(header) : undefined;
  let json: unknown;
  try {
    json = bytes === undefined ? undefined : JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    json = undefined;
  }
  const signed = parseInput(signedMemberAuthorizationSchema, json, 'authorization');
  const a = signed.authorization;
  if (a.requester.orgId !== requester.orgId || a.requester.memberId !== requester.memberId || a.patient !== patient || a.purpose !== purpose) {
    throw new CareLedgerError('FORBIDDEN', "the authorisation is not the caller's for this patient and purpose", { field: 'authorization' });
  }
  return signed;
}

/** POST /exchange/v1/requests: a signed request from another node in, a signed response with one sealed bundle out. */
async function postExchangeRequest(request: FastifyRequest, deps: ExchangeRoutesDeps, reply: FastifyReply) {
  return reply.code(200).send(await answerExchangeRequest(deps.custodian, request.body));
}

/** GET /exchange/v1/patients/{pseudonym}/everything?purpose=&_type=&custodian= */
async function getEverything(request: FastifyRequest, deps: ExchangeRoutesDeps, reply: FastifyReply) {
  const self = deps.requester.ledger.orgId;
  const pseudonym = pathParam(request.params, 'pseudonym', PSEUDONYM_PATTERN);
  const query = parseInput(everythingQuery, request.query, 'query');
  const actor = await deps.authenticate(request.headers.authorization);
  if (actor.kind !== 'member' || actor.orgId !== self || !actor.roles.includes('practitioner')) {
    throw new CareLedgerError('FORBIDDEN', 'only practitioners of this organisation may gather records', { field: 'actor' });
  }
  const types = readableResourceTypes(actor.scopes, query._type);
  const requester = { orgId: actor.orgId, memberId: actor.memberId };
  const asksOthers = query.custodian !== self;
  const authorization = asksOthers ? memberAuthorizationOf(request.headers[AUTHORIZATION_HEADER], requester, pseudonym, query.purpose) : undefined;
  const localEverything = deps.localEverything;
  const ctx: RequestContext = { actor, purpose: query.purpose, interaction: 'everything', requestId: `gather-${request.id}` };
  const bundle = await everythingAcrossCustodians(deps.requester, {
    patient: pseudonym,
    requester,
    purpose: query.purpose,
    ...(types === undefined ? {} : { resourceTypes: types }),
    authorization: authorization as SignedMemberAuthorization,
    ...(query.custodian === undefined ? {} : { custodian: query.custodian }),
    ...(localEverything === undefined ? {} : { local: () => localEverything(ctx, pseudonym) }),
  });
  return reply.code(200).type('application/fhir+json').send(JSON.stringify(bundle));
}

/** Exchange errors always answer in the ledger API's error shape, whatever scope the route is mounted in. */
function withErrorBody(handler: (request: FastifyRequest, deps: ExchangeRoutesDeps, reply: FastifyReply) => Promise<unknown>) {
  return async (request: FastifyRequest, deps: ExchangeRoutesDeps, reply: FastifyReply) => {
    try {
      return await handler(request, deps, reply);
    } catch (error) {
      return sendError(reply, error);
    }
  };
}

const ROUTES: RouteTable<ExchangeRoutesDeps> = [
  ['POST', EXCHANGE_PATH, withErrorBody(postExchangeRequest)],
  ['GET', '/exchange/v1/patients/:pseudonym/everything', withErrorBody(getEverything)],
];

export function registerExchangeRoutes(app: FastifyInstance, deps: ExchangeRoutesDeps): void {
  registerTable(app, ROUTES, deps);
}
