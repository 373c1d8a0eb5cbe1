// SMART auth front door (thin: the logic lives in auth/):
//   GET  /.well-known/smart-configuration  SMART configuration (always JSON)
//   POST /auth/token          client_credentials + private_key_jwt (form body)
//   POST /auth/challenge      a single-use patient sign-in challenge
//   POST /auth/patient-token  a patient's (or delegate's) signed challenge -> token
//   POST /auth/clients        an org admin's signed JWKS client registration
// The two token endpoints answer errors in OAuth form ({"error":"invalid_client"},
// RFC 6749 section 5.2) with Cache-Control: no-store; the others use the ledger
// API's error shape. Mount with registerAuthRoutes(app, deps) before listen().
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createChallenge,
  isOAuthError,
  OAuthError,
  registerSignedClient,
  requestClientCredentialsToken,
  requestPatientToken,
  smartConfiguration,
  type AuthDeps,
  type TokenForm,
} from '../auth/index.js';
import { httpStatusOf, isCareLedgerError } from '../errors/index.js';
import { sendError } from './errors.js';
import { registerTable, type RouteTable } from './routes.js';

const FORM = 'application/x-www-form-urlencoded';
const FORM_BODY_LIMIT = 64 * 1024;

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** Form parameters as a record; undefined when the body is not a form or repeats a parameter (RFC 6749 section 3.2). */
function formOf(body: unknown): TokenForm | undefined {
  const out: Record<string, string> = {};
  if (body instanceof URLSearchParams) {
    for (const [k, v] of body) {
      if (Object.hasOwn(out, k)) return undefined;
      out[k] = v;
    }
    return out;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

function sendOAuthError(reply: FastifyReply, error: unknown): FastifyReply {
  noStore(reply);
  if (isOAuthError(error)) return reply.code(httpStatusOf(error.code)).send({ error: error.oauthError });
  if (isCareLedgerError(error) && httpStatusOf(error.code) >= 500) return sendError(reply, error);
  if (isCareLedgerError(error) && error.code === 'RATE_LIMITED') return sendError(reply, error);
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (isCareLedgerError(error) || (typeof status === 'number' && status >= 400 && status < 500)) {
    return reply.code(400).send({ error: 'invalid_request' });
  }
  return sendError(reply, error);
}

/** GET /.well-known/smart-configuration (always JSON). */
async function getSmartConfiguration(_request: FastifyRequest, deps: AuthDeps, reply: FastifyReply) {
  return reply.type('application/json; charset=utf-8').send(smartConfiguration(deps));
}

/** POST /auth/challenge: a single-use patient sign-in challenge. */
async function postChallenge(_request: FastifyRequest, deps: AuthDeps, reply: FastifyReply) {
  return noStore(reply).send(createChallenge(deps));
}

/** POST /auth/clients: an org admin's signed JWKS client registration. */
async function postClient(request: FastifyRequest, deps: AuthDeps, reply: FastifyReply) {
  const client = await registerSignedClient(request.body, deps);
  return reply.code(201).send({ clientId: client.clientId, orgId: client.orgId, memberId: client.memberId, issuedAt: client.issuedAt });
}

/** POST /auth/token: client_credentials with private_key_jwt, one form body. */
async function postToken(request: FastifyRequest, deps: AuthDeps, reply: FastifyReply) {
  const isForm = (request.headers['content-type'] ?? '').toLowerCase().split(';')[0]?.trim() === FORM;
  const form = isForm ? formOf(request.body) : undefined;
  if (form === undefined) throw new OAuthError('invalid_request', 'expected one form body, each parameter once');
  return noStore(reply).send(await requestClientCredentialsToken(form, deps));
}

/** POST /auth/patient-token: a patient's (or delegate's) signed challenge for a token. */
async function postPatientToken(request: FastifyRequest, deps: AuthDeps, reply: FastifyReply) {
  return noStore(reply).send(await requestPatientToken(request.body, deps));
}

const ROUTES: RouteTable<AuthDeps> = [
  ['GET', '/.well-known/smart-configuration', getSmartConfiguration],
  ['POST', '/auth/challenge', postChallenge],
  ['POST', '/auth/clients', postClient],
];

/** The OAuth endpoints, in their own scope: a form parser and OAuth-shaped errors. */
const OAUTH_ROUTES: RouteTable<AuthDeps> = [
  ['POST', '/auth/token', postToken],
  ['POST', '/auth/patient-token', postPatientToken],
];

export function registerAuthRoutes(app: FastifyInstance, deps: AuthDeps): void {
  registerTable(app, ROUTES, deps);
  void app.register(async (oauth) => {
    if (!oauth.hasContentTypeParser(FORM)) {
      oauth.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
        done(null, new URLSearchParams(body as string));
      });
    }
    oauth.setErrorHandler((error, _request, reply) => sendOAuthError(reply, error));
    registerTable(oauth, OAUTH_ROUTES, deps);
  });
}
