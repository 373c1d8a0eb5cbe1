// Block headers and the hashes they commit to (ARCHITECTURE section 4):
//   header    = {"height","prevHash","time","txCount","logSize","logRoot","resultsHash","stateHash"}
//   blockHash = hex SHA-256(JCS(header))
//   resultsHash = hex SHA-256("careledger.results/1\n" || JCS([code, ...]))   (one code per tx, in order)
//   stateHash   = hex SHA-256("careledger.state/1\n" || prevStateHash || "\n" || JCS(writes))
//     writes = [[namespace, key, value-or-null], ...] sorted by namespace then key (UTF-16 order),
//     null meaning deleted. It chains, so nodes that diverge in state diverge in block hash.
import { canonicalBytes, concatBytes, sha256Hex, utf8 } from '../crypto/index.js';
import type { JsonValue } from './contract.js';
import type { ResultCode } from '../errors/index.js';

export const RESULTS_DOMAIN = 'careledger.results/1\n';
export const STATE_DOMAIN = 'careledger.state/1\n';
/** prevHash of the genesis block (height 0) and the state hash before it. */
export const ZERO_HASH = '0'.repeat(64);

export interface BlockHeader {
  height: number;
  prevHash: string;
  time: string;
  txCount: number;
  logSize: number;
  logRoot: string;
  resultsHash: string;
  stateHash: string;
}

/** A block's final write of one (namespace, key); value/text null = deleted. */
export interface StateWrite {
  namespace: string;
  key: string;
  value: JsonValue | null;
  /** JCS text of value, computed once and reused for the state hash and storage. */
  text: string | null;
}

export function blockHashOf(header: BlockHeader): string {
  return sha256Hex(canonicalBytes(header));
}

export function resultsHashOf(codes: readonly ResultCode[]): string {
  return sha256Hex(utf8(RESULTS_DOMAIN), canonicalBytes(codes));
}

function compareWrites(a: StateWrite, b: StateWrite): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return 0;
}

/** Sorts a block's final writes (one per namespace/key) in canonical order. */
export function sortWrites(writes: Iterable<StateWrite>): StateWrite[] {
  return [...writes].sort(compareWrites);
}

/**
 * The state hash over sorted writes. JCS([[ns, key, value|null], ...]) is
 * assembled from the precomputed value texts: JCS serialises strings exactly
 * as JSON.stringify does (RFC 8785 section 3.2.2.2), so this equals
 * canonicalJson of the tuple array without canonicalising every value again.
 */
export function stateHashOf(prevStateHash: string, sortedWrites: readonly StateWrite[]): string {
  const parts = sortedWrites.map((w) => `[${JSON.stringify(w.namespace)},${JSON.stringify(w.key)},${w.text ?? 'null'}]`);
  return sha256Hex(concatBytes(utf8(STATE_DOMAIN), utf8(prevStateHash + '\n'), utf8(`[${parts.join(',')}]`)));
}
