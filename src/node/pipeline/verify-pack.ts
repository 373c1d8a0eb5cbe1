// The verify pool's reply format: a chunk's checks as parallel arrays, the
// 32-byte leaf hashes concatenated in one buffer (transferred, not copied).
import type { OrderedCheck } from '../../ledger/index.js';

const HASH_BYTES = 32;

export interface PackedChecks {
  codes: Array<OrderedCheck['code']>;
  txIds: string[];
  leafHashes: Uint8Array<ArrayBuffer>;
}

export function packChecks(checks: readonly OrderedCheck[]): PackedChecks {
  const leafHashes = new Uint8Array(checks.length * HASH_BYTES);
  checks.forEach((c, i) => {
    if (c.leafHash.byteLength !== HASH_BYTES) throw new Error('leaf hash is not 32 bytes');
    leafHashes.set(c.leafHash, i * HASH_BYTES);
  });
  return { codes: checks.map((c) => c.code), txIds: checks.map((c) => c.txId), leafHashes };
}

/** The checks back; each leafHash is a view into the packed buffer. Throws on an inconsistent reply. */
export function unpackChecks(p: PackedChecks): OrderedCheck[] {
  const n = p.codes.length;
  if (p.txIds.length !== n || p.leafHashes.byteLength !== n * HASH_BYTES) throw new Error('verify worker: inconsistent reply');
  const out: OrderedCheck[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = { code: p.codes[i]!, txId: p.txIds[i]!, leafHash: p.leafHashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES) };
  }
  return out;
}
