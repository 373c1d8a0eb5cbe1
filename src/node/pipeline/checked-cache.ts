// The stateless checks this node already ran at the submit edge, kept until
// the same bytes come back in an ordered batch, so the pipeline does not
// verify a signature twice on the submitting node (other nodes verify for
// themselves). The check is a pure function of the bytes, so a hit is exact:
// the key is the bytes themselves. Bounded; the oldest entries go first.
import type { OrderedCheck } from '../../ledger/index.js';

const DEFAULT_MAX_ENTRIES = 20_000;

function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export class CheckedCache {
  private readonly entries = new Map<string, OrderedCheck>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** Remembers the passing checks of envelopes about to be ordered. */
  remember(envelopes: readonly Uint8Array[], checks: readonly OrderedCheck[]): void {
    envelopes.forEach((bytes, i) => {
      const check = checks[i];
      if (check?.code !== 'OK') return;
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(keyOf(bytes), check);
    });
  }

  /** The check of these exact bytes, if this node ran it; forgotten once taken. */
  take(bytes: Uint8Array): OrderedCheck | undefined {
    if (this.entries.size === 0) return undefined;
    const key = keyOf(bytes);
    const hit = this.entries.get(key);
    if (hit) this.entries.delete(key);
    return hit;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The checks of a batch as consecutive chunks, in order: runs of envelopes
 * checked at this node's edge resolve at once, the other runs go to `check`
 * (the verify pool), so execution can start before the pool is done.
 */
export function batchChecks(
  envelopes: readonly Uint8Array[],
  cache: CheckedCache,
  check: (run: readonly Uint8Array[]) => Array<Promise<OrderedCheck[]>>,
): Array<Promise<OrderedCheck[]>> {
  const known = envelopes.map((e) => cache.take(e));
  if (known.every((k) => k === undefined)) return check(envelopes);
  const chunks: Array<Promise<OrderedCheck[]>> = [];
  let at = 0;
  while (at < envelopes.length) {
    const hit = known[at] !== undefined;
    let end = at + 1;
    while (end < envelopes.length && (known[end] !== undefined) === hit) end++;
    if (hit) chunks.push(Promise.resolve(known.slice(at, end) as OrderedCheck[]));
    else chunks.push(...check(envelopes.slice(at, end)));
    at = end;
  }
  return chunks;
}
