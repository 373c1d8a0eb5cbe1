// The ledger API under /ledger/v1 (ARCHITECTURE section 7): thin fastify
// routes over LedgerNode. Every parameter is parsed with a schema here, at
// the edge; the node never sees unvalidated input. Reads answer in the view
// the caller may see (ledger-access.ts, ledger-views.ts): full transactions,
// blocks and events for ledger readers, what verification needs for anyone.
// Submissions pass the node's submit gate: bad signatures, unknown or
// revoked signers and spent quotas are refused with nothing stored.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseEnvelope, type LedgerPort, type ParsedEnvelope } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { OrderingUnavailable, SubmitRefusal, ledgerPortOf, type LedgerNode, type TxResult } from '../node/index.js';
import { errorBody } from './errors.js';
import { parseInput } from './input.js';
import { isReader, viewerOf, type LedgerAccessOptions } from './ledger-access.js';
import { blockEventView, fullBlockView, fullTxView, publicBlockView, publicTxView } from './ledger-views.js';
import { registerTable, type RouteTable } from './routes.js';

export const MAX_SUBMIT_ENVELOPES = 1000;
const MAX_BLOCKS_PAGE = 100;

const txIdParam = z.strictObject({ txId: z.string().regex(/^[0-9a-f]{64}$/) });
const heightParam = z.strictObject({ height: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
const submitQuery = z.object({ wait: z.enum(['commit']).optional(), timeoutMs: z.coerce.number().int().min(1).max(120_000).optional() });
const blocksQuery = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_BLOCKS_PAGE).default(20),
});
const consistencyQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) });

function parseSubmission(body: unknown): ParsedEnvelope[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new CareLedgerError('MALFORMED', 'empty array', { field: 'body' });
  if (list.length > MAX_SUBMIT_ENVELOPES) {
    throw new CareLedgerError('TOO_LARGE', `at most ${MAX_SUBMIT_ENVELOPES} envelopes per request`);
  }
  return list.map((item, i) => {
    try {
      return parseEnvelope(item);
    } catch (e) {
      if (!Array.isArray(body) || !(e instanceof CareLedgerError)) throw e;
      throw new CareLedgerError(e.code, `envelope ${i}: ${e.message}`, { field: `[${i}]${e.field ? '.' + e.field : ''}` });
    }
  });
}

/**
 * Submits through the node's gate. A refusal names the envelope in an array
 * body ([i].field) and a RATE_LIMITED one sets Retry-After (RFC 9110 10.2.3).
 */
async function submitGated(node: LedgerNode, reply: FastifyReply, parsed: ParsedEnvelope[], isArray: boolean, options: { wait: boolean; timeoutMs?: number }) {
  try {
    return await node.submitTracked(parsed, options);
  } catch (e) {
    if (!(e instanceof SubmitRefusal)) throw e;
    if (e.retryAfterSeconds !== undefined) void reply.header('retry-after', String(e.retryAfterSeconds));
    const field = isArray && e.index >= 0 ? `[${e.index}]${e.field ? '.' + e.field : ''}` : e.field;
    throw new CareLedgerError(e.code, e.message, field ? { field } : {});
  }
}

/**
 * The orderer did not acknowledge: 503 ORDERING_UNAVAILABLE (or 504 TIMEOUT
 * past the client's own timeoutMs) with Retry-After and, per txId, whether it
 * reached the orderer ('not-ordered' or 'unknown'; docs/operations.md).
 */
function sendOrderingFault(reply: FastifyReply, e: OrderingUnavailable) {
  return reply
    .code(e.code === 'TIMEOUT' ? 504 : 503)
    .header('retry-after', String(e.retryAfterSeconds))
    .send({ ...errorBody(e.code, e.message), results: e.txs });
}

/** One envelope's answer: its result once committed, else ordered (no wait) or pending (wait timed out after ordering). */
function resultView(txId: string, result: TxResult | undefined, wait: boolean) {
  if (result === undefined) return { txId, status: 'ordered' };
  if (result.code === 'TIMEOUT') return { txId, status: 'pending' };
  return wait ? result : { txId, status: 'committed', code: result.code, height: result.height, index: result.index };
}

interface Deps {
  node: LedgerNode;
  port: LedgerPort;
  access: LedgerAccessOptions;
}

/**
 * POST /ledger/v1/transactions?wait=commit&timeoutMs=: one envelope or an array.
 * Without wait: 202, each ordered (or committed already). With wait: 200 with
 * every result once committed, or 202 when the wait ran out after the orderer
 * acknowledged (each still pending: poll GET /transactions/{txId}). An
 * envelope already committed answers its original result, ordering nothing.
 */
async function postTransactions(request: FastifyRequest, deps: Deps, reply: FastifyReply) {
  const query = parseInput(submitQuery, request.query, 'query');
  const parsed = parseSubmission(request.body);
  const wait = query.wait === 'commit';
  let results: Array<TxResult | undefined>;
  try {
    results = await submitGated(deps.node, reply, parsed, Array.isArray(request.body), { wait, ...(query.timeoutMs ? { timeoutMs: query.timeoutMs } : {}) });
  } catch (e) {
    if (e instanceof OrderingUnavailable) return sendOrderingFault(reply, e);
    throw e;
  }
  const views = parsed.map((p, i) => resultView(p.txId, results[i], wait));
  const pending = views.some((v) => 'status' in v && v.status === 'pending');
  return reply.code(wait && !pending ? 200 : 202).send({ results: views });
}

/** GET /ledger/v1/transactions/{txId}: the view the caller may see, its inclusion proof and the checkpoint. */
async function getTransaction(request: FastifyRequest, deps: Deps) {
  const { port } = deps;
  const { txId } = parseInput(txIdParam, request.params, 'params');
  const viewer = await viewerOf(request, deps.node, deps.access);
  const tx = port.tx(txId);
  if (!tx) throw new CareLedgerError('NOT_FOUND', 'no such transaction');
  const view = isReader(viewer) ? fullTxView(port, tx) : publicTxView(port, tx);
  // Proof and checkpoint read together, synchronously: both against the same tree size.
  return { ...view, proof: port.inclusion(tx.leafIndex), checkpoint: port.checkpoint() };
}

/** GET /ledger/v1/blocks/{height} */
async function getBlock(request: FastifyRequest, deps: Deps) {
  const { port } = deps;
  const { height } = parseInput(heightParam, request.params, 'params');
  const viewer = await viewerOf(request, deps.node, deps.access);
  const block = port.block(height);
  if (!block) throw new CareLedgerError('NOT_FOUND', 'no such block');
  return isReader(viewer) ? fullBlockView(port, block) : publicBlockView(port, block);
}

/** GET /ledger/v1/blocks?from=&limit= */
async function getBlocks(request: FastifyRequest, deps: Deps) {
  const { port } = deps;
  const { from, limit } = parseInput(blocksQuery, request.query, 'query');
  const full = isReader(await viewerOf(request, deps.node, deps.access));
  const blocks = port.blocks(from, limit).map((block) => (full ? fullBlockView(port, block) : publicBlockView(port, block)));
  return { blocks, height: deps.node.head.height };
}

/** GET /ledger/v1/checkpoint: the latest signed checkpoint as a C2SP note. */
async function getCheckpoint(_request: FastifyRequest, deps: Deps, reply: FastifyReply) {
  return reply.type('text/plain; charset=utf-8').send(deps.node.checkpoint);
}

/** GET /ledger/v1/proofs/consistency?from=&to= */
async function getConsistency(request: FastifyRequest, deps: Deps) {
  const { from, to } = parseInput(consistencyQuery, request.query, 'query');
  return { from, to, hashes: deps.node.consistency(from, to) };
}

/** GET /ledger/v1/node */
async function getNodeInfo(_request: FastifyRequest, { node }: Deps) {
  return { networkId: node.networkId, nodeKeyId: node.nodeKey.keyId, height: node.head.height, blockHash: node.head.hash, logSize: node.head.logSize };
}

/** GET /ledger/v1/events: server-sent block events, authorised once at connection (reconnect to renew). */
async function getEvents(request: FastifyRequest, deps: Deps, reply: FastifyReply) {
  const { node } = deps;
  const full = isReader(await viewerOf(request, node, deps.access));
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(`: connected at height ${node.head.height}\n\n`);
  const off = node.onBlock((b) => {
    res.write(`id: ${b.header.height}\nevent: block\ndata: ${JSON.stringify(blockEventView(b, full))}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  request.raw.on('close', () => {
    clearInterval(heartbeat);
    off();
  });
}

const ROUTES: RouteTable<Deps> = [
  ['POST', '/ledger/v1/transactions', postTransactions, { bodyLimit: 8 * 1024 * 1024 }],
  ['GET', '/ledger/v1/transactions/:txId', getTransaction],
  ['GET', '/ledger/v1/blocks/:height', getBlock],
  ['GET', '/ledger/v1/blocks', getBlocks],
  ['GET', '/ledger/v1/checkpoint', getCheckpoint],
  ['GET', '/ledger/v1/proofs/consistency', getConsistency],
  ['GET', '/ledger/v1/node', getNodeInfo],
  ['GET', '/ledger/v1/events', getEvents],
];

export function registerLedgerRoutes(app: FastifyInstance, node: LedgerNode, access: LedgerAccessOptions = {}): void {
  registerTable(app, ROUTES, { node, port: ledgerPortOf(node, node.orgId), access });
}
