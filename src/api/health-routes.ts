// Health doors (docs/operations.md): GET /readyz (readiness: may a load
// balancer send traffic here?) and GET /metrics (Prometheus text). /healthz
// (liveness) is registered by server.ts. /readyz is open, like /healthz: it
// names components and reasons, never a host, an identifier or a message.
// /metrics is for operators: callers on the loopback interface, or anyone
// presenting the operator token (`--metrics-token-file`, compared in
// constant time). A reverse proxy on the same host makes every caller
// loopback: such a node must set a token and the proxy must not forward
// /metrics (docs/operations.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readinessOf, type LedgerNode } from '../node/index.js';
import { errorBody } from './errors.js';
import type { NodeMetrics } from './metrics.js';
import type { NetworkRuntime } from './witness-routes.js';

export interface HealthRoutesDeps {
  node: LedgerNode;
  metrics: NodeMetrics;
  network?: NetworkRuntime;
  /** The operator token that opens /metrics to non-loopback callers; without it only loopback callers read it. */
  metricsToken?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Loopback callers, and callers with `Authorization: Bearer <operator token>`. */
export function mayReadMetrics(request: FastifyRequest, token: string | undefined): boolean {
  if (LOOPBACK.test(request.socket.remoteAddress ?? '')) return true;
  const header = request.headers.authorization;
  if (token === undefined || typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7)), digest(token));
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthRoutesDeps): void {
  const { node, metrics, network } = deps;
  metrics.addSection(() => renderReadiness(node, network));
  app.get('/readyz', async (_request: FastifyRequest, reply: FastifyReply) => {
    const r = readinessOf(node, network);
    const reasons = r.checks.flatMap((c) => (c.ok || c.reason === undefined ? [] : [`${c.component}: ${c.reason}`]));
    return reply.code(r.ready ? 200 : 503).send({
      status: r.ready ? 'ready' : 'not-ready',
      networkId: node.networkId,
      height: node.head.height,
      checks: Object.fromEntries(r.checks.map((c) => [c.component, c.ok ? 'ok' : 'failing'])),
      ...(reasons.length > 0 ? { reasons } : {}),
    });
  });
  app.get('/metrics', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!mayReadMetrics(request, deps.metricsToken)) {
      return reply.code(403).send(errorBody('FORBIDDEN', 'metrics are for operators: call from loopback or with the operator token'));
    }
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });
}

/** Readiness, ordering and process series. */
function renderReadiness(node: LedgerNode, network: NetworkRuntime | undefined): string {
  const r = readinessOf(node, network);
  const orderer = node.ordererHealth();
  const { ordering } = node;
  const lines = [
    ...ordering.latency.render('careledger_ordering_seconds', 'Seconds from handing a submission to the orderer to its acknowledgement.'),
    '# HELP careledger_ordering_errors_total Submissions the orderer did not acknowledge, by reason (unreachable: refused at once; deadline: no acknowledgement in time; rejected: the orderer gave up).',
    '# TYPE careledger_ordering_errors_total counter',
    ...(['unreachable', 'deadline', 'rejected'] as const).map((k) => `careledger_ordering_errors_total{reason="${k}"} ${ordering.errors[k]}`),
    '# HELP careledger_orderer_up 1 when the ordering service answered a quorum read lately (always 1 in-process).',
    '# TYPE careledger_orderer_up gauge',
    `careledger_orderer_up ${orderer === undefined || orderer.reachable ? 1 : 0}`,
    '# HELP careledger_catchup_lag_revisions etcd revisions after the last batch this node applied (batches, height reports and leases; a caught-up node shows a handful).',
    '# TYPE careledger_catchup_lag_revisions gauge',
    `careledger_catchup_lag_revisions ${orderer?.lagRevisions ?? 0}`,
    '# HELP careledger_ready 1 when /readyz answers 200; careledger_ready_check is 1 per component that passes.',
    '# TYPE careledger_ready gauge',
    `careledger_ready ${r.ready ? 1 : 0}`,
    '# TYPE careledger_ready_check gauge',
    ...r.checks.map((c) => `careledger_ready_check{component="${c.component}"} ${c.ok ? 1 : 0}`),
    '# HELP careledger_storage_fault 1 while block commits fail on a full or failing disk.',
    '# TYPE careledger_storage_fault gauge',
    `careledger_storage_fault ${node.storageFault ? 1 : 0}`,
    ...processLines(),
  ];
  return lines.join('\n');
}

function openFds(): number | undefined {
  try {
    // Linux only; elsewhere the series is left out.
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

function processLines(): string[] {
  const mem = process.memoryUsage();
  const fds = openFds();
  return [
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${mem.rss}`,
    '# TYPE nodejs_heap_used_bytes gauge',
    `nodejs_heap_used_bytes ${mem.heapUsed}`,
    ...(fds === undefined ? [] : ['# TYPE process_open_fds gauge', `process_open_fds ${fds}`]),
  ];
}
