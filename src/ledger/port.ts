// The one ledger port (hexagonal architecture): what every service (fhir,
// exchange, auth, supply chain, trials) and every door (api, cli) may ask of a
// running node. Defined here, below the services, as types only; the node
// layer implements it (`ledgerPortOf` in src/node). Nothing above the node
// reads the store: committed state comes through the node's cache, blocks and
// transactions as the parsed views below.
import type { SigningKey } from '../crypto/index.js';
import type { ResultCode } from '../errors/index.js';
import type { BlockHeader } from './block.js';
import type { ChainHead } from './build.js';
import type { JsonValue, LedgerEvent, StateReader } from './contract.js';
import type { ParsedEnvelope } from './tx.js';

/** One committed state entry of a prefix scan. */
export interface StateRow {
  key: string;
  value: JsonValue;
}

/** The outcome of one submitted transaction (TIMEOUT/UNAVAILABLE when not known to be committed). */
export interface SubmitResult {
  txId: string;
  code: ResultCode;
  height: number;
  index: number;
}

/** A committed block as stored. */
export interface BlockView {
  height: number;
  hash: string;
  header: BlockHeader;
  /** Position of the ordered batch the block came from. */
  ordererSeq: number;
}

/** A committed transaction as stored. */
export interface TxView {
  txId: string;
  height: number;
  /** Index within its block. */
  index: number;
  /** Position in the transparency log. */
  leafIndex: number;
  /** JCS bytes of the envelope (the log leaf's input). */
  envelope: Uint8Array;
  code: ResultCode;
  events: LedgerEvent[];
}

/** RFC 9162 inclusion proof of a leaf against a tree size. */
export interface InclusionProof {
  treeSize: number;
  leafIndex: number;
  /** base64url node hashes. */
  hashes: string[];
}

/** What a committed block announces to listeners (SSE, witnesses, outboxes). */
export interface CommittedBlock {
  header: BlockHeader;
  hash: string;
  txs: Array<{ txId: string; code: ResultCode; events: LedgerEvent[] }>;
}

export interface LedgerPort {
  readonly networkId: string;
  /** This node's organisation (the custodian of its vault). */
  readonly orgId: string;
  /** Signs node transactions (anchors, incidents), exchange messages and access tokens. */
  readonly nodeKey: SigningKey;
  /** Committed state as parsed values, cached and kept current block by block; never a staged view. */
  readonly state: StateReader;
  /** Committed state rows whose key starts with `prefix`, in key order, after `afterKey` if given. */
  scan(namespace: string, prefix: string, limit: number, afterKey?: string): StateRow[];
  /** Wall clock, RFC 3339 UTC with milliseconds. */
  now(): string;
  /** The head of the chain (height -1 before genesis). */
  head(): ChainHead;
  /** The latest signed checkpoint (C2SP signed note). */
  checkpoint(): string;
  block(height: number): BlockView | undefined;
  /** Up to `limit` blocks from height `from` upwards. */
  blocks(from: number, limit: number): BlockView[];
  /** The transactions of a block in order. */
  blockTxs(height: number): TxView[];
  tx(txId: string): TxView | undefined;
  /** The log leaf hash at `leafIndex` (RFC 9162 2.1.1). */
  leafHash(leafIndex: number): Uint8Array | undefined;
  /** Inclusion proof of a leaf against the current tree size. */
  inclusion(leafIndex: number): InclusionProof;
  /** RFC 9162 2.1.4 consistency proof between two tree sizes (base64url); MALFORMED if out of range. */
  consistency(from: number, to: number): string[];
  /** Size of the ledger database in bytes (metrics). */
  sizeBytes(): number;
  /** Orders the envelopes and resolves once each is committed (or TIMEOUT/UNAVAILABLE). */
  submit(envelopes: readonly ParsedEnvelope[], options?: { timeoutMs?: number }): Promise<SubmitResult[]>;
  /** Calls `listener` after each committed block; returns the unsubscribe function. */
  onBlock(listener: (block: CommittedBlock) => void): () => void;
}
