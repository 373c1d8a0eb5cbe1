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
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  EXCHANGE_PATH,
  EXCHANGE_PURPOSES,
  answerExchangeRequest,
  gatherEverything,
  requestRecords,
  signedMemberAuthorizationSchema,
  type CustodianDeps,
  type SignedMemberAuthorization,
  type CustodianOutcome,
  type GatherResult,
  type RequesterDeps,
} from '../exchange/index.js';
import { fromBase64Url } from '../crypto/index.js';
import type { Actor, FhirResource, RequestContext } from '../fhir/types.js';
import { CareLedgerError, isCareLedgerError } from '../errors/index.js';
import { sendError } from './errors.js';
import { parseWith } from './ledger-routes.js';

export interface ExchangeRoutesDeps {
  custodian: CustodianDeps;
  requester: RequesterDeps;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** This node's own records of the patient the actor may read (the local $everything); omitted: none. */
  localEverything?: (ctx: RequestContext, pseudonym: string) => Promise<FhirResource[]>;
}

const PSEUDONYM = /^pt-[0-9a-f]{32}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ORG = /^[a-z0-9][a-z0-9-]{1,62}$/;

const everythingQuery = z.object({
  purpose: z.enum(EXCHANGE_PURPOSES).default('TREAT'),
  _type: z
    .string()
    .max(2000)
    .transform((s) => s.split(',').filter((t) => t !== ''))
    .refine((l) => l.length > 0 && l.length <= 64 && l.every((t) => RESOURCE_TYPE.test(t)), 'comma-separated resource types')
    .optional(),
  custodian: z.string().regex(ORG).optional(),
});

/** The resource types the actor's SMART scopes allow reading: undefined = all. */
function readableTypes(actor: Actor, requested: string[] | undefined): string[] | undefined {
  const reads = actor.scopes.filter((s) => s.permissions.r);
  if (reads.length === 0) throw new CareLedgerError('FORBIDDEN', 'SMART scope does not allow reading', { field: 'scope' });
  if (reads.some((s) => s.resourceType === '*')) return requested;
  const allowed = new Set(reads.map((s) => s.resourceType));
  if (requested === undefined) return [...allowed].sort();
  const denied = requested.find((t) => !allowed.has(t));
  if (denied !== undefined) throw new CareLedgerError('FORBIDDEN', `SMART scope does not allow reading ${denied}`, { field: 'scope' });
  return requested;
}

function outcomeResource(outcomes: CustodianOutcome[]): FhirResource {
  return {
    resourceType: 'OperationOutcome',
    issue: outcomes.map((o) => ({
      severity: o.status === 'ok' ? 'information' : o.status === 'refused' ? 'warning' : 'error',
      code: o.status === 'ok' ? 'informational' : o.status === 'refused' ? 'forbidden' : o.status === 'rejected' ? 'security' : 'transient',
      details: { text: o.status === 'ok' ? `${o.custodian}: ${o.records} verified records` : `${o.custodian}: ${o.code ?? ''} ${o.message ?? ''}`.trim() },
      expression: [`custodian:${o.custodian}`],
    })),
  };
}

function bundleOf(result: GatherResult, local: FhirResource[], self: string): FhirResource {
  const entry: Array<Record<string, unknown>> = [
    ...local.map((resource) => ({ fullUrl: `urn:careledger:${self}:${resource.resourceType}/${String(resource['id'] ?? '')}`, resource, search: { mode: 'match' } })),
    ...result.records.map((r) => ({ fullUrl: `urn:careledger:${r.custodian}:${r.recordId}:${r.version}`, resource: r.resource, search: { mode: 'match' } })),
  ];
  const total = entry.length;
  if (result.outcomes.length > 0) entry.push({ resource: outcomeResource(result.outcomes), search: { mode: 'outcome' } });
  return { resourceType: 'Bundle', type: 'searchset', timestamp: new Date().toISOString(), total, entry };
}

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
  const signed = parseWith(signedMemberAuthorizationSchema, json, 'authorization');
  const a = signed.authorization;
  if (a.requester.orgId !== requester.orgId || a.requester.memberId !== requester.memberId || a.patient !== patient || a.purpose !== purpose) {
    throw new CareLedgerError('FORBIDDEN', "the authorisation is not the caller's for this patient and purpose", { field: 'authorization' });
  }
  return signed;
}

export function registerExchangeRoutes(app: FastifyInstance, deps: ExchangeRoutesDeps): void {
  const self = deps.requester.ledger.orgId;

  app.post(EXCHANGE_PATH, async (request, reply) => {
    try {
      return await reply.code(200).send(await answerExchangeRequest(deps.custodian, request.body));
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get('/exchange/v1/patients/:pseudonym/everything', async (request, reply) => {
    try {
      const { pseudonym } = parseWith(z.strictObject({ pseudonym: z.string().regex(PSEUDONYM) }), request.params, 'params');
      const query = parseWith(everythingQuery, request.query, 'query');
      const actor = await deps.authenticate(request.headers.authorization);
      if (actor.kind !== 'member' || actor.orgId !== self || !actor.roles.includes('practitioner')) {
        throw new CareLedgerError('FORBIDDEN', 'only practitioners of this organisation may gather records', { field: 'actor' });
      }
      const types = readableTypes(actor, query._type);
      const requester = { orgId: actor.orgId, memberId: actor.memberId };
      const asksOthers = query.custodian !== self;
      const authorization = asksOthers ? memberAuthorizationOf(request.headers[AUTHORIZATION_HEADER], requester, pseudonym, query.purpose) : undefined;
      const common = {
        patient: pseudonym, requester, purpose: query.purpose, ...(types === undefined ? {} : { resourceTypes: types }),
        authorization: authorization as SignedMemberAuthorization,
      };
      let result: GatherResult;
      if (query.custodian !== undefined && query.custodian !== self) {
        // One named custodian: its refusal is this request's answer (403 for no consent).
        const records = await requestRecords(deps.requester, { ...common, custodian: query.custodian });
        result = { records, outcomes: [{ custodian: query.custodian, status: 'ok', records: records.length }] };
      } else if (query.custodian === self) {
        result = { records: [], outcomes: [] };
      } else result = await gatherEverything(deps.requester, common);
      let local: FhirResource[] = [];
      if (deps.localEverything !== undefined && (query.custodian === undefined || query.custodian === self)) {
        const ctx: RequestContext = { actor, purpose: query.purpose, interaction: 'everything', requestId: `gather-${request.id}` };
        try {
          local = (await deps.localEverything(ctx, pseudonym)).filter((r) => types === undefined || types.includes(r.resourceType));
          result.outcomes.push({ custodian: self, status: 'ok', records: local.length });
        } catch (error) {
          if (!isCareLedgerError(error)) throw error;
          result.outcomes.push({ custodian: self, status: 'refused', records: 0, code: error.code, message: error.message });
        }
      }
      return await reply.code(200).type('application/fhir+json').send(JSON.stringify(bundleOf(result, local, self)));
    } catch (error) {
      return sendError(reply, error);
    }
  });
}
