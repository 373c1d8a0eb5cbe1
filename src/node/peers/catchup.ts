// Catch-up after etcd pruned batches this node never applied (ARCHITECTURE
// section 3): fetch the missing blocks from a peer's GET /ledger/v1/blocks
// (through the PeerTransport, transport.ts) and
// hand back, per block, the envelope bytes and the batch time, so the caller
// re-executes them through its own pipeline and compares the block hashes it
// computes with the peer's. Nothing from the peer is trusted: responses are
// parsed defensively and reexecuteFromPeer recomputes every block before the
// node commits it, stopping at the first hash that differs.
import { z } from 'zod';
import { canonicalBytes } from '../../crypto/index.js';
import {
  EMPTY_HEAD,
  buildBlock,
  checkOrderedEnvelope,
  type BlockHeader,
  type ChainHead,
  type ContractRegistry,
  type TreeNodeReader,
} from '../../ledger/index.js';
import {
  CareLedgerError,
} from '../../errors/index.js';
import type { OrderedBatch } from '../../ordering/index.js';
import type { LedgerStore } from '../../storage/index.js';
import { httpPeerTransport, type PeerReadAuth, type PeerTransport } from './transport.js';

export type { PeerReadAuth };

export interface PeerBlock {
  height: number;
  /** The peer's block hash: compare, never adopt. */
  hash: string;
  /** Block time as the peer recorded it; the batch time for re-execution. */
  time: string;
  /** JCS bytes of each envelope, in block order. */
  envelopes: Uint8Array[];
}

export interface PeerBlocksPage {
  blocks: PeerBlock[];
  /** The peer's head height when it answered. */
  peerHeight: number;
}

const MAX_PAGE = 100;
const pageSchema = z.object({
  height: z.number().int().min(-1),
  blocks: z
    .array(
      z.object({
        height: z.number().int().min(0),
        hash: z.string().regex(/^[0-9a-f]{64}$/),
        header: z.object({ time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), txCount: z.number().int().min(0) }),
        txs: z.array(z.object({ index: z.number().int().min(0), envelope: z.record(z.string(), z.unknown()) })),
      }),
    )
    .max(MAX_PAGE),
});

/** GETs a peer's JSON through the transport; any failure is UNAVAILABLE (the body is parsed by the caller's schema). */
async function getPeerJson(transport: PeerTransport, target: URL, timeoutMs: number, what: string, auth?: PeerReadAuth): Promise<unknown> {
  try {
    return await transport.getJson(target.origin, target.pathname + target.search, { timeoutMs, ...(auth ? { auth } : {}) });
  } catch (cause) {
    throw new CareLedgerError('UNAVAILABLE', `peer ${target.origin} did not return ${what}`, { cause, field: 'peer' });
  }
}

/**
 * GETs `${url}/ledger/v1/blocks?from=&limit=` and returns consecutive blocks
 * starting at `fromHeight` (possibly none). Throws CareLedgerError
 * UNAVAILABLE if the peer cannot be reached and MALFORMED if its answer does
 * not parse or is not a consecutive run starting at `fromHeight`.
 */
export async function fetchBlocksFromPeer(
  url: string,
  fromHeight: number,
  limit = 20,
  timeoutMs = 10_000,
  auth?: PeerReadAuth,
  transport: PeerTransport = httpPeerTransport(),
): Promise<PeerBlocksPage> {
  if (!Number.isSafeInteger(fromHeight) || fromHeight < 0) throw new CareLedgerError('MALFORMED', 'fromHeight must be >= 0', { field: 'fromHeight' });
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CareLedgerError('MALFORMED', 'peer url must be http(s)', { field: 'url' });
  const target = new URL('/ledger/v1/blocks', base);
  target.searchParams.set('from', String(fromHeight));
  target.searchParams.set('limit', String(Math.min(Math.max(1, limit), MAX_PAGE)));
  const body = await getPeerJson(transport, target, timeoutMs, `blocks from ${fromHeight}`, auth);
  const parsed = pageSchema.safeParse(body);
  if (!parsed.success) {
    throw new CareLedgerError('MALFORMED', `peer blocks page does not parse at ${parsed.error.issues[0]?.path.join('.') ?? ''}`, { field: 'blocks' });
  }
  const blocks = parsed.data.blocks.map((b, i): PeerBlock => {
    const txs = [...b.txs].sort((x, y) => x.index - y.index);
    if (b.height !== fromHeight + i || txs.length !== b.header.txCount || txs.some((t, k) => t.index !== k)) {
      throw new CareLedgerError('MALFORMED', `peer block ${b.height} is out of sequence or incomplete`, { field: 'blocks' });
    }
    return { height: b.height, hash: b.hash, time: b.header.time, envelopes: txs.map((t) => canonicalBytes(t.envelope)) };
  });
  return { blocks, peerHeight: parsed.data.height };
}

// ---- re-executing a peer's blocks ------------------------------------------

/** One block's position in the peer's order: the batch seq it was committed from. */
export interface PeerBlockSeq {
  height: number;
  hash: string;
  ordererSeq: number;
}

const seqsSchema = z.object({
  blocks: z.array(z.object({ height: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/), ordererSeq: z.number().int().min(0) })).max(MAX_PAGE),
});

/** GETs `${url}/ledger/v1/network/block-seqs?from=&limit=` (served next to the witness routes). */
export async function fetchBlockSeqsFromPeer(
  url: string,
  fromHeight: number,
  limit: number,
  timeoutMs = 10_000,
  transport: PeerTransport = httpPeerTransport(),
): Promise<PeerBlockSeq[]> {
  const target = new URL('/ledger/v1/network/block-seqs', new URL(url));
  target.searchParams.set('from', String(fromHeight));
  target.searchParams.set('limit', String(Math.min(Math.max(1, limit), MAX_PAGE)));
  const body = await getPeerJson(transport, target, timeoutMs, `block seqs from ${fromHeight}`);
  const parsed = seqsSchema.safeParse(body);
  if (!parsed.success) throw new CareLedgerError('MALFORMED', 'peer block seqs do not parse', { field: 'blocks' });
  return parsed.data.blocks;
}

export interface ReexecuteOptions {
  url: string;
  networkId: string;
  store: LedgerStore;
  registry: ContractRegistry;
  /** Stop once a block from batch seq >= this is committed (the pruned position). */
  untilSeq: number;
  /** Hands a batch to the node's own pipeline (LedgerNode's delivery handler). */
  deliver: (batch: OrderedBatch) => Promise<void>;
  /** Signs the block reads (the peer serves full blocks only to member nodes). */
  auth?: PeerReadAuth;
  /** How peers are reached; default HTTP. */
  transport?: PeerTransport;
  pageSize?: number;
  commitTimeoutMs?: number;
}

export interface ReexecuteResult {
  blocks: number;
  /** Batch seq of the last block now committed locally (0 if none). */
  lastSeq: number;
}

function headOf(store: LedgerStore): ChainHead {
  const row = store.head();
  if (!row) return EMPTY_HEAD;
  const h = JSON.parse(row.header) as BlockHeader;
  return { height: h.height, hash: row.hash, stateHash: h.stateHash, time: h.time, logSize: h.logSize };
}

async function waitForHeight(store: LedgerStore, height: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((store.head()?.height ?? -1) < height) {
    if (Date.now() > deadline) throw new CareLedgerError('UNAVAILABLE', `block ${height} was not committed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Catches up from one peer: pages its blocks after our head, re-executes each
 * one on our own state with buildBlock BEFORE committing it, and stops with
 * CONFLICT naming the height if our block hash differs from the peer's (the
 * peer's bytes are never adopted). Matching blocks go through `deliver`, so
 * the node commits them exactly as if etcd had delivered the batch, with the
 * peer's batch seq as ordererSeq. A peer that lies about a seq can only make
 * this node skip or repeat batches, which changes its next block hashes and
 * is caught by the witnesses.
 */
export async function reexecuteFromPeer(options: ReexecuteOptions): Promise<ReexecuteResult> {
  const { url, networkId, store, registry } = options;
  const tree: TreeNodeReader = { getNode: (level, index) => store.getLogNode(level, index) };
  const transport = options.transport ?? httpPeerTransport();
  let blocks = 0;
  let lastSeq = store.head()?.ordererSeq ?? 0;
  while (lastSeq < options.untilSeq) {
    const from = (store.head()?.height ?? -1) + 1;
    const page = await fetchBlocksFromPeer(url, from, options.pageSize ?? 50, 10_000, options.auth, transport);
    if (page.blocks.length === 0) {
      throw new CareLedgerError('UNAVAILABLE', `peer ${url} is at height ${page.peerHeight}, still before batch seq ${options.untilSeq}`, { field: 'peer' });
    }
    const seqs = await fetchBlockSeqsFromPeer(url, from, page.blocks.length, 10_000, transport);
    for (const [i, block] of page.blocks.entries()) {
      const seq = seqs[i];
      if (!seq || seq.height !== block.height || seq.hash !== block.hash || seq.ordererSeq <= lastSeq) {
        throw new CareLedgerError('MALFORMED', `peer block ${block.height} has no consistent batch seq`, { field: 'ordererSeq' });
      }
      const entries = block.envelopes.map((bytes) => ({ bytes, check: checkOrderedEnvelope(bytes) }));
      const built = buildBlock(headOf(store), networkId, block.time, entries, store, tree, registry);
      if (built.hash !== block.hash) {
        throw new CareLedgerError(
          'CONFLICT',
          `catch-up from ${url} stopped at height ${block.height}: re-executed block hash ${built.hash} differs from the peer's ${block.hash}`,
          { field: 'blockHash' },
        );
      }
      await options.deliver({ seq: seq.ordererSeq, time: block.time, envelopes: block.envelopes });
      await waitForHeight(store, block.height, options.commitTimeoutMs ?? 30_000);
      if (store.head()?.hash !== block.hash) {
        throw new CareLedgerError('CONFLICT', `committed block ${block.height} differs from the re-executed one`, { field: 'blockHash' });
      }
      lastSeq = seq.ordererSeq;
      blocks++;
    }
  }
  return { blocks, lastSeq };
}
