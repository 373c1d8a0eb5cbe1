// The HTTP front door: fastify with the ledger routes, /healthz and /metrics.
// Logs never carry request bodies or credentials.
import Fastify, { type FastifyInstance } from 'fastify';
import { authenticate } from '../auth/index.js';
import type { LedgerNode, RecordsService } from '../node/index.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerFhirRoutes } from './fhir-routes.js';
import { registerPatientRoutes } from './patient-routes.js';
import { registerExchangeRoutes } from './exchange-routes.js';
import { errorHandler, errorBody } from './errors.js';
import { registerLedgerRoutes } from './ledger-routes.js';
import { NodeMetrics } from './metrics.js';
import { registerRegistryRoutes } from './registry-routes.js';
import { networkHealth, registerWitnessRoutes, type NetworkRuntime } from './witness-routes.js';

export interface ServerOptions {
  /** pino logger options, or false for none. */
  logger?: boolean | { level: string };
  /** The records side (vault, FHIR, SMART auth); without it only the ledger API is served. */
  records?: RecordsService;
  /** Public base URL of this node (token issuer, FHIR base). */
  baseUrl?: string;
  /** Consortium node: witness, divergence and the sync gate on /ledger/v1. */
  network?: NetworkRuntime;
}

export interface Server {
  app: FastifyInstance;
  metrics: NodeMetrics;
}

export function buildServer(node: LedgerNode, options: ServerOptions = {}): Server {
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : {
          level: options.logger === true ? 'info' : options.logger.level,
          redact: ['req.headers.authorization', 'req.headers.cookie'],
        };
  const app = Fastify({ logger, bodyLimit: 1024 * 1024, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' });
  app.removeContentTypeParser('text/plain'); // JSON only: a text body is 415, not a schema error on a string
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
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
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
    });
    registerPatientRoutes(app, {
      node,
      authenticate: authenticateHeader,
      erasePatient: (pseudonym) => records.repository.erasePatient(pseudonym),
    });
    registerExchangeRoutes(app, {
      ...records.exchange,
      authenticate: authenticateHeader,
      localEverything: async (ctx, patient) => (await records.repository.everything(ctx, patient, { count: 1000, offset: 0 })).resources,
    });
  }
  return { app, metrics };
}
