// The HTTP front door: fastify with the ledger routes, /healthz and /metrics.
// Logs never carry request bodies, credentials, URLs or queries: one line per
// response with the route pattern, method, status and time (request-log.ts).
// JSON bodies nested deeper than MAX_JSON_DEPTH are refused before parsing.
// A URL that does not decode (bad percent-encoding) is a 400 in the shape of
// the API it addresses: an OperationOutcome under /fhir/R4, the ledger error
// body elsewhere.
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyLoggerOptions, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { authenticate } from '../auth/index.js';
import { ledgerPortOf, type LedgerNode, type RecordsService } from '../node/index.js';
import { registerAuthRoutes } from './auth-routes.js';
import { checkJsonDepth, operationOutcome, FHIR_JSON } from '../fhir/router/index.js';
import { FHIR_BASE_PATH, registerFhirRoutes } from './fhir-routes.js';
import { registerPatientRoutes } from './patient-routes.js';
import { registerDelegationRoutes } from './delegation-routes.js';
import { registerExchangeRoutes } from './exchange-routes.js';
import { errorHandler, errorBody } from './errors.js';
import { registerLedgerRoutes } from './ledger-routes.js';
import { NodeMetrics } from './metrics.js';
import { registerRegistryRoutes } from './registry-routes.js';
import { registerSupplyChainRoutes } from './supplychain-routes.js';
import { registerTrialsRoutes, trialsDepsOf } from './trials-routes.js';
import { LOG_SERIALIZERS, logResponse, registerRequestLog } from './request-log.js';
import { networkHealth, registerWitnessRoutes, type NetworkRuntime } from './witness-routes.js';
import { listenerOptions, registerHsts, type TlsMaterial } from './tls.js';
import { registerPortalRoutes } from './portal-routes.js';
import { registerHealthRoutes } from './health-routes.js';

export interface ServerOptions {
  /** pino logger options (a level, and a destination stream for tests), or false for none. */
  logger?: boolean | { level: string; stream?: DestinationStream };
  /** The records side (vault, FHIR, SMART auth); without it only the ledger API is served. */
  records?: RecordsService;
  /** Public base URL of this node (token issuer, FHIR base). */
  baseUrl?: string;
  /** Consortium node: witness, divergence and the sync gate on /ledger/v1. */
  network?: NetworkRuntime;
  /** Largest FHIR request body in bytes (413 OperationOutcome beyond it); default FHIR_BODY_LIMIT (4 MiB). */
  fhirBodyLimit?: number;
  /** Serve HTTPS (HTTP/2 and HTTP/1.1, HSTS) with this PEM pair (tls.ts); reload it with reloadTls/watchTls. */
  tls?: TlsMaterial;
  /** Addresses or CIDRs of reverse proxies whose X-Forwarded-* headers are believed (none by default). */
  trustProxy?: readonly string[];
  /** Operator token that opens /metrics beyond loopback callers (health-routes.ts). */
  metricsToken?: string;
}

export interface Server {
  app: FastifyInstance;
  metrics: NodeMetrics;
}

/** A URL fastify cannot decode: 400 in the addressed API's error shape, the URL itself never echoed or logged. */
function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.raw.url ?? '';
  const text = error.code === 'FST_ERR_BAD_URL' ? 'the URL is not validly percent-encoded' : 'bad request';
  if (path === FHIR_BASE_PATH || path.startsWith(FHIR_BASE_PATH + '/') || path.startsWith(FHIR_BASE_PATH + '?')) {
    void reply.code(400).headers({ 'content-type': FHIR_JSON }).send(operationOutcome('MALFORMED', text));
  } else {
    void reply.code(400).send(errorBody('MALFORMED', text));
  }
  // No route matched, so the onResponse hook does not run: log the line here.
  logResponse(request, reply);
}

export function buildServer(node: LedgerNode, options: ServerOptions = {}): Server {
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : {
          level: options.logger === true ? 'info' : options.logger.level,
          // Our err serializer drops message and stack on purpose; fastify's type insists on them.
          serializers: LOG_SERIALIZERS as unknown as NonNullable<FastifyLoggerOptions['serializers']>,
          ...(options.logger !== true && options.logger.stream !== undefined ? { stream: options.logger.stream } : {}),
        };
  // With TLS the server is an HTTP/2 secure server accepting HTTP/1.1 too; the
  // routes use only what both request kinds share, hence the one cast.
  const app = Fastify({
    ...listenerOptions(options.tls, options.trustProxy),
    logger,
    // No per-request lines from fastify (they carry the URL); request-log.ts writes its own.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: onFrameworkError,
    bodyLimit: 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  if (options.tls) registerHsts(app);
  if (logger !== false) registerRequestLog(app);
  app.removeContentTypeParser('text/plain'); // JSON only: a text body is 415, not a schema error on a string
  // JSON bodies no deeper than MAX_JSON_DEPTH, refused before they are parsed (no contract nests that deep).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkJsonDepth(body as string);
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    void json(request, body as string, done);
  });
  const metrics = new NodeMetrics(node);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody('NOT_FOUND', 'no such route')));
  const network = options.network;
  if (network) {
    app.get('/healthz', async (_request, reply) => {
      const { code, body } = networkHealth(node, network);
      return reply.code(code).send(body);
    });
    metrics.addSection(() => network.witness.metrics());
    registerWitnessRoutes(app, node, network);
  } else {
    app.get('/healthz', async () => ({ status: 'ok', networkId: node.networkId, height: node.head.height }));
  }
  registerHealthRoutes(app, {
    node,
    metrics,
    ...(network ? { network } : {}),
    ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
  });
  const records = options.records;
  // Ledger readers authenticate with a signed read, or with a bearer token when the records side is served.
  const ledgerAccess = records ? { authenticate: (header: string | undefined) => authenticate(header, records.auth) } : {};
  registerLedgerRoutes(app, node, ledgerAccess);
  registerRegistryRoutes(app, node, ledgerAccess);
  if (records) {
    const authenticateHeader = (header: string | undefined) => authenticate(header, records.auth);
    registerAuthRoutes(app, records.auth);
    registerFhirRoutes(app, {
      repository: records.repository,
      authenticate: authenticateHeader,
      baseUrl: options.baseUrl ?? records.auth.baseUrl,
      ...(options.fhirBodyLimit === undefined ? {} : { bodyLimit: options.fhirBodyLimit }),
    });
    registerPatientRoutes(app, {
      node,
      authenticate: authenticateHeader,
      erasePatient: (pseudonym) => records.repository.erasePatient(pseudonym),
      accessLog: records.repository.accessLog,
      consents: records.repository.consents,
    });
    registerDelegationRoutes(app, { ledger: ledgerPortOf(node, node.orgId), authenticate: authenticateHeader });
    registerSupplyChainRoutes(app, { ledger: ledgerPortOf(node, node.orgId), authenticate: authenticateHeader, epcis: records.supply });
    registerTrialsRoutes(app, trialsDepsOf(ledgerPortOf(node, node.orgId), records.vault, authenticateHeader));
    registerExchangeRoutes(app, {
      ...records.exchange,
      authenticate: authenticateHeader,
      localEverything: async (ctx, patient) => (await records.repository.everything(ctx, patient, { count: 1000, offset: 0 })).resources,
    });
  }
  registerPortalRoutes(app, { node, records }); // the web portal at / (docs/portal.md)
  return { app, metrics };
}
