// Consortium routes (ARCHITECTURE section 3): the witnessed checkpoint, the
// divergence proof, batch seqs for peers catching up, and the sync gate.
// Thin: the witness and catch-up logic live in src/node.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CareLedgerError } from '../errors/index.js';
import { ledgerPortOf, type LedgerNode, type Witness } from '../node/index.js';
import { errorBody } from './errors.js';
import { parseInput } from './input.js';
import { registerTable, type RouteTable } from './routes.js';
import type { LedgerPort } from '../ledger/index.js';

/** What a consortium node adds to the server. */
export interface NetworkRuntime {
  witness: Witness;
  /** True until the node has delivered everything ordered before it started (and verified it, if new). */
  syncing(): boolean;
}

const seqsQuery = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** /healthz for a consortium node: 503 while syncing or once diverged. */
export function networkHealth(node: LedgerNode, network: NetworkRuntime): { code: number; body: Record<string, unknown> } {
  const proof = network.witness.divergence;
  if (proof) {
    return {
      code: 503,
      body: { status: 'diverged', networkId: node.networkId, height: node.head.height, divergedAt: proof.height, orgId: proof.orgId, proof: proof.notes },
    };
  }
  if (network.syncing()) return { code: 503, body: { status: 'syncing', networkId: node.networkId, height: node.head.height } };
  return { code: 200, body: { status: 'ok', networkId: node.networkId, height: node.head.height } };
}

interface Deps {
  port: LedgerPort;
  network: NetworkRuntime;
}

/** GET /ledger/v1/checkpoint/witnessed: the latest checkpoint a peer cosigned, as a signed note. */
async function getWitnessed(_request: FastifyRequest, { network }: Deps, reply: FastifyReply) {
  const w = network.witness.witnessed();
  if (!w) throw new CareLedgerError('NOT_FOUND', 'no checkpoint has been cosigned by a peer yet');
  return reply.type('text/plain; charset=utf-8').header('x-careledger-height', String(w.height)).send(w.note);
}

/** GET /ledger/v1/divergence: the proof, once a peer's checkpoint contradicts ours. */
async function getDivergence(_request: FastifyRequest, { network }: Deps) {
  const proof = network.witness.divergence;
  if (!proof) throw new CareLedgerError('NOT_FOUND', 'no divergence detected');
  return proof;
}

/** GET /ledger/v1/network/block-seqs?from=&limit=: the orderer position of each block, for peers catching up. */
async function getBlockSeqs(request: FastifyRequest, { port }: Deps) {
  const { from, limit } = parseInput(seqsQuery, request.query, 'query');
  return { blocks: port.blocks(from, limit).map((b) => ({ height: b.height, hash: b.hash, ordererSeq: b.ordererSeq })) };
}

const ROUTES: RouteTable<Deps> = [
  ['GET', '/ledger/v1/checkpoint/witnessed', getWitnessed],
  ['GET', '/ledger/v1/divergence', getDivergence],
  ['GET', '/ledger/v1/network/block-seqs', getBlockSeqs],
];

export function registerWitnessRoutes(app: FastifyInstance, node: LedgerNode, network: NetworkRuntime): void {
  // The sync gate: nothing under /ledger/v1 is answered until the node holds the history.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/ledger/v1/')) return;
    if (network.syncing()) {
      return reply.code(503).header('retry-after', '2').send(errorBody('UNAVAILABLE', 'node is syncing the ledger history; try again shortly'));
    }
    return undefined;
  });
  registerTable(app, ROUTES, { port: ledgerPortOf(node, node.orgId), network });
}
