// The executor: applies one ordered batch to state, deterministically.
// Per transaction, in order: stateless checks (done earlier on the worker
// pool: parse, size, signature), network, duplicate txId, time window,
// contract and action, signer registry, args schema, authorise, apply.
// A failing transaction keeps its place in the block with its result code and
// changes nothing (results, not rejection: ARCHITECTURE section 3).
import { canonicalJson } from '../crypto/index.js';
import { resultsHashOf, sortWrites, stateHashOf, type StateWrite } from './block.js';
import type { ResultCode } from '../errors/index.js';
import {
  isRefusal,
  KEYS_NAMESPACE,
  deepFreeze,
  type ContractRegistry,
  type ExecContext,
  type JsonValue,
  type KeyRecord,
  type LedgerEvent,
  type Refusal,
  type StateAccess,
  type StateEntry,
} from './contract.js';
import { decodeCheckedEnvelope, type OrderedCheck } from './ordered.js';
import { RFC3339_MILLIS } from './tx.js';

export const NETWORK_NAMESPACE = 'network';
export const NETWORK_CONFIG_KEY = 'config';
export const DEFAULT_TIME_WINDOW_MS = 5 * 60 * 1000;

/** Committed state as the executor sees it. */
export interface StateSource {
  getState(namespace: string, key: string): string | undefined;
  /**
   * Optional: the same value parsed and deep-frozen, which a cache can share
   * between blocks instead of parsing the text on every read.
   */
  getValue?(namespace: string, key: string): JsonValue | undefined;
  /** Committed rows whose key starts with prefix, in key order, after `afterKey` if given (text values). */
  scanState(namespace: string, prefix: string, limit: number, afterKey?: string): ReadonlyArray<{ key: string; value: string }>;
  hasTx(txId: string): boolean;
}

type Scanner = (namespace: string, prefix: string, limit: number, afterKey: string) => StateEntry[];

export interface BlockInput {
  network: string;
  height: number;
  prevStateHash: string;
  /** Time of the previous block, undefined before genesis. */
  prevTime: string | undefined;
  /** The proposer's time for this batch (untrusted format). */
  proposedTime: string;
  entries: ReadonlyArray<{ bytes: Uint8Array; check: OrderedCheck }>;
}

export interface ExecutedTx {
  txId: string;
  code: ResultCode;
  detail: string | undefined;
  events: LedgerEvent[];
  bytes: Uint8Array;
}

export interface BlockOutcome {
  blockTime: string;
  txs: ExecutedTx[];
  /** Final writes of the block, sorted; value null = deleted. */
  writes: StateWrite[];
  resultsHash: string;
  stateHash: string;
}

const SEP = '\u0000';

/** Block time: the proposer's time forced monotonic, max(prev, proposed). */
export function blockTimeOf(prevTime: string | undefined, proposed: string): string {
  const valid = RFC3339_MILLIS.test(proposed) && !Number.isNaN(Date.parse(proposed));
  if (!valid) return prevTime ?? '1970-01-01T00:00:00.000Z';
  if (prevTime === undefined) return proposed;
  return proposed > prevTime ? proposed : prevTime;
}

interface Written {
  value: JsonValue | null;
  text: string | null;
}

class Overlay implements StateAccess {
  readonly writes = new Map<string, Written>();
  constructor(
    private readonly below: (ns: string, key: string) => JsonValue | undefined,
    private readonly belowScan: Scanner,
  ) {}

  /**
   * The state below with this overlay's writes applied. Asking the state
   * below for `limit` more rows than wanted per write of ours under the
   * prefix is enough: each of our writes can hide at most one of its rows.
   */
  scan(namespace: string, prefix: string, limit: number, afterKey = ''): StateEntry[] {
    const start = namespace + SEP + prefix;
    const mine: Array<[string, Written]> = [];
    for (const [k, w] of this.writes) {
      if (!k.startsWith(start)) continue;
      const key = k.slice(namespace.length + 1);
      if (key > afterKey) mine.push([key, w]);
    }
    const rows = this.belowScan(namespace, prefix, limit + mine.length, afterKey);
    if (mine.length === 0) return rows.slice(0, limit);
    const merged = new Map<string, JsonValue | null>(rows.map((r) => [r.key, r.value]));
    for (const [key, w] of mine) merged.set(key, w.value);
    const out: StateEntry[] = [];
    for (const key of [...merged.keys()].sort(compareKeys)) {
      const value = merged.get(key);
      if (value !== null && value !== undefined) out.push({ key, value });
      if (out.length === limit) break;
    }
    return out;
  }

  get(namespace: string, key: string): JsonValue | undefined {
    const w = this.writes.get(namespace + SEP + key);
    if (w) return w.value ?? undefined;
    return this.below(namespace, key);
  }

  put(namespace: string, key: string, value: JsonValue): void {
    // Keep the canonical text (hashed and stored later) and a deep copy parsed
    // from it, so later mutation by the caller cannot leak in.
    const text = canonicalJson(value);
    this.writes.set(namespace + SEP + key, { value: deepFreeze(JSON.parse(text) as JsonValue), text });
  }

  delete(namespace: string, key: string): void {
    this.writes.set(namespace + SEP + key, { value: null, text: null });
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeWindowMs(read: (ns: string, key: string) => JsonValue | undefined): number {
  const config = read(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY);
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    const w = config['timeWindowMs'];
    if (typeof w === 'number' && w > 0) return w;
  }
  return DEFAULT_TIME_WINDOW_MS;
}

/** Executes one batch against committed state; pure given its inputs. */
export function executeBlock(input: BlockInput, source: StateSource, registry: ContractRegistry): BlockOutcome {
  const execution = new BlockExecution(input, source, registry);
  for (const entry of input.entries) execution.add(entry);
  return execution.finish();
}

/**
 * One block's execution, fed entry by entry in block order, so a node can
 * execute the first entries while the signatures of the later ones are still
 * being checked. executeBlock is this with every entry at once; the outcome is
 * the same whichever way the entries arrive.
 */
export class BlockExecution {
  readonly blockTime: string;
  private readonly blockMs: number;
  private readonly block: Overlay;
  private readonly seen = new Set<string>();
  private readonly txs: ExecutedTx[] = [];
  private finished = false;

  constructor(
    private readonly input: Omit<BlockInput, 'entries'>,
    private readonly source: StateSource,
    private readonly registry: ContractRegistry,
  ) {
    this.blockTime = blockTimeOf(input.prevTime, input.proposedTime);
    this.blockMs = Date.parse(this.blockTime);
    const committed = source.getValue
      ? source.getValue.bind(source)
      : (ns: string, key: string): JsonValue | undefined => {
          const text = source.getState(ns, key);
          return text === undefined ? undefined : deepFreeze(JSON.parse(text) as JsonValue);
        };
    const committedScan: Scanner = (ns, prefix, limit, afterKey) =>
      source.scanState(ns, prefix, limit, afterKey).map((r) => ({ key: r.key, value: deepFreeze(JSON.parse(r.value) as JsonValue) }));
    this.block = new Overlay(committed, committedScan);
  }

  /** Executes the next entry of the block. */
  add(entry: { bytes: Uint8Array; check: OrderedCheck }): void {
    if (this.finished) throw new Error('block execution already finished');
    const { input, source, registry, block, seen, txs, blockTime } = this;
    const index = txs.length;
    const { txId } = entry.check;
    const events: LedgerEvent[] = [];
    const done = (code: ResultCode, detail?: string) => {
      txs.push({ txId, code, detail, events: code === 'OK' ? events : [], bytes: entry.bytes });
    };
    if (entry.check.code !== 'OK') return done(entry.check.code);
    const envelope = decodeCheckedEnvelope(entry.bytes);
    const { tx } = envelope;
    if (tx.network !== input.network) return done('WRONG_NETWORK');
    if (seen.has(txId) || source.hasTx(txId)) return done('DUPLICATE_TX');
    seen.add(txId);
    if (Math.abs(Date.parse(tx.time) - this.blockMs) > timeWindowMs(block.get.bind(block))) return done('STALE_TIME');
    const contract = registry.get(tx.contract);
    if (!contract) return done('UNKNOWN_CONTRACT');
    const action = Object.hasOwn(contract.actions, tx.action) ? contract.actions[tx.action] : undefined;
    if (!action) return done('UNKNOWN_ACTION');
    const keyValue = block.get(KEYS_NAMESPACE, tx.signer);
    const signerKey = keyValue && typeof keyValue === 'object' ? (keyValue as unknown as KeyRecord) : undefined;
    if ((action.signer ?? 'registered') === 'registered') {
      if (!signerKey) return done('UNKNOWN_SIGNER');
      if (signerKey.status !== 'active') return done('REVOKED_SIGNER');
    }
    const args = action.args.safeParse(tx.args);
    if (!args.success) return done('INVALID_ARGS', args.error.issues[0]?.path.map(String).join('.'));
    const txState = new Overlay(block.get.bind(block), block.scan.bind(block));
    const ctx: ExecContext = {
      network: input.network,
      txId,
      height: input.height,
      index,
      blockTime,
      txTime: tx.time,
      signer: tx.signer,
      signerKey: signerKey?.status === 'active' ? signerKey : undefined,
      state: txState,
      emit: (type, data) => events.push({ contract: contract.name, type, data }),
    };
    let refusal: Refusal | undefined;
    try {
      const authorization = action.authorize(ctx, args.data);
      refusal = isRefusal(authorization) ? authorization : action.apply(ctx, args.data, authorization?.allowed);
    } catch {
      // A throwing contract is a deterministic failure on every node: record it, change nothing.
      refusal = { code: 'INTERNAL', detail: 'contract threw' };
    }
    if (refusal) return done(refusal.code, refusal.detail);
    for (const [k, v] of txState.writes) block.writes.set(k, v);
    done('OK');
  }

  /** The block's outcome: results, sorted writes and their hashes. */
  finish(): BlockOutcome {
    this.finished = true;
    const writes = sortWrites(
      [...this.block.writes].map(([k, w]): StateWrite => {
        const at = k.indexOf(SEP);
        return { namespace: k.slice(0, at), key: k.slice(at + 1), value: w.value, text: w.text };
      }),
    );
    return {
      blockTime: this.blockTime,
      txs: this.txs,
      writes,
      resultsHash: resultsHashOf(this.txs.map((t) => t.code)),
      stateHash: stateHashOf(this.input.prevStateHash, writes),
    };
  }
}
