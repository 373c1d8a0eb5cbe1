// The ledger API under /ledger/v1 (ARCHITECTURE section 7): thin fastify
// routes over LedgerNode. Every parameter is parsed with a schema here, at
// the edge; the node never sees unvalidated input.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CareLedgerError, parseEnvelope, type BlockHeader, type ParsedEnvelope } from '../ledger/index.js';
import type { LedgerNode } from '../node/index.js';
import type { TxRow } from '../storage/index.js';

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

/** Parses with a schema; failures become MALFORMED naming the field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [where, ...(issue?.path.map(String) ?? [])].join('.');
  throw new CareLedgerError('MALFORMED', `invalid ${field}: ${issue?.message ?? 'schema'}`, { field });
}

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

function txView(row: TxRow) {
  return {
    txId: row.txId,
    height: row.height,
    index: row.index,
    leafIndex: row.leafIndex,
    code: row.code,
    envelope: JSON.parse(Buffer.from(row.envelope).toString('utf8')) as unknown,
    events: JSON.parse(row.events) as unknown,
  };
}

export function registerLedgerRoutes(app: FastifyInstance, node: LedgerNode): void {
  app.post('/ledger/v1/transactions', { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    const query = parseWith(submitQuery, request.query, 'query');
    const parsed = parseSubmission(request.body);
    const wait = query.wait === 'commit';
    const results = await node.submit(parsed, { wait, ...(query.timeoutMs ? { timeoutMs: query.timeoutMs } : {}) });
    if (!wait) return reply.code(202).send({ results: parsed.map((p) => ({ txId: p.txId, status: 'ordered' })) });
    return reply.code(200).send({ results });
  });

  app.get('/ledger/v1/transactions/:txId', async (request) => {
    const { txId } = parseWith(txIdParam, request.params, 'params');
    const found = node.getTransaction(txId);
    if (!found) throw new CareLedgerError('NOT_FOUND', 'no such transaction');
    return { ...txView(found.row), proof: found.proof, checkpoint: found.checkpoint };
  });

  app.get('/ledger/v1/blocks/:height', async (request) => {
    const { height } = parseWith(heightParam, request.params, 'params');
    const row = node.store.getBlock(height);
    if (!row) throw new CareLedgerError('NOT_FOUND', 'no such block');
    return {
      height,
      hash: row.hash,
      header: JSON.parse(row.header) as BlockHeader,
      txs: node.store.blockTxs(height).map((t) => ({ txId: t.txId, code: t.code, leafIndex: t.leafIndex })),
    };
  });

  app.get('/ledger/v1/blocks', async (request) => {
    const { from, limit } = parseWith(blocksQuery, request.query, 'query');
    const blocks = node.store.listBlocks(from, limit).map((row) => ({
      height: row.height,
      hash: row.hash,
      header: JSON.parse(row.header) as BlockHeader,
      txs: node.store.blockTxs(row.height).map(txView),
    }));
    return { blocks, height: node.head.height };
  });

  app.get('/ledger/v1/checkpoint', async (_request, reply) => {
    return reply.type('text/plain; charset=utf-8').send(node.checkpoint);
  });

  app.get('/ledger/v1/proofs/consistency', async (request) => {
    const { from, to } = parseWith(consistencyQuery, request.query, 'query');
    return { from, to, hashes: node.consistency(from, to) };
  });

  app.get('/ledger/v1/node', async () => ({
    networkId: node.networkId,
    nodeKeyId: node.nodeKey.keyId,
    height: node.head.height,
    blockHash: node.head.hash,
    logSize: node.head.logSize,
  }));

  app.get('/ledger/v1/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`: connected at height ${node.head.height}\n\n`);
    const off = node.onBlock((b) => {
      const data = { height: b.header.height, hash: b.hash, time: b.header.time, txs: b.txs.map((t) => ({ txId: t.txId, code: t.code, events: t.events })) };
      res.write(`id: ${b.header.height}\nevent: block\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      off();
    });
  });
}
