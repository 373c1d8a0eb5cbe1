// Catch-up after etcd pruned batches this node never applied (ARCHITECTURE
// section 3): fetch the missing blocks from a peer's GET /ledger/v1/blocks and
// hand back, per block, the envelope bytes and the batch time, so the caller
// re-executes them through its own pipeline and compares the block hashes it
// computes with the peer's. Nothing from the peer is trusted: this only parses
// the response defensively; a hash mismatch is the caller's divergence report.
import { z } from 'zod';
import { canonicalBytes } from '../crypto/index.js';
import { CareLedgerError } from '../ledger/index.js';

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
        txs: z.array(z.object({ index: z.number().int().min(0), envelope: z.unknown() })),
      }),
    )
    .max(MAX_PAGE),
});

/**
 * GETs `${url}/ledger/v1/blocks?from=&limit=` and returns consecutive blocks
 * starting at `fromHeight` (possibly none). Throws CareLedgerError
 * UNAVAILABLE if the peer cannot be reached and MALFORMED if its answer does
 * not parse or is not a consecutive run starting at `fromHeight`.
 */
export async function fetchBlocksFromPeer(url: string, fromHeight: number, limit = 20, timeoutMs = 10_000): Promise<PeerBlocksPage> {
  if (!Number.isSafeInteger(fromHeight) || fromHeight < 0) throw new CareLedgerError('MALFORMED', 'fromHeight must be >= 0', { field: 'fromHeight' });
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CareLedgerError('MALFORMED', 'peer url must be http(s)', { field: 'url' });
  const target = new URL('/ledger/v1/blocks', base);
  target.searchParams.set('from', String(fromHeight));
  target.searchParams.set('limit', String(Math.min(Math.max(1, limit), MAX_PAGE)));
  let body: unknown;
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (cause) {
    throw new CareLedgerError('UNAVAILABLE', `peer ${base.origin} did not return blocks from ${fromHeight}`, { cause, field: 'peer' });
  }
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
