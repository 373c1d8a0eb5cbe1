// Shared in-memory harness for contract unit tests: a Map-backed StateAccess
// and `runAction`, which performs the executor's contract-facing steps (action
// lookup, signer lookup in the key registry unless the action accepts any
// signer, zod parse of args, authorize, apply) and discards the transaction's
// writes on refusal. Signatures, network, duplicate txId and time window are
// the executor's business and are not simulated here.
import {
  KEYS_NAMESPACE,
  isRefusal,
  type Contract,
  type ExecContext,
  type JsonValue,
  type KeyRecord,
  type LedgerEvent,
  type Refusal,
  type StateAccess,
  type StateEntry,
} from '../../src/ledger/contract.js';
import { keyIdFromPublicKey, sha256, sha256Hex, utf8 } from '../../src/crypto/index.js';

const SEP = '\u0000';

/** Committed state of a test ledger. Values are cloned in and out, so a contract mutating what it read changes nothing. */
export class MemoryState implements StateAccess {
  private readonly entries = new Map<string, JsonValue>();
  /** Transactions run so far; drives default txId and height. */
  txCount = 0;

  get(namespace: string, key: string): JsonValue | undefined {
    const v = this.entries.get(namespace + SEP + key);
    return v === undefined ? undefined : structuredClone(v);
  }

  put(namespace: string, key: string, value: JsonValue): void {
    this.entries.set(namespace + SEP + key, structuredClone(value));
  }

  delete(namespace: string, key: string): void {
    this.entries.delete(namespace + SEP + key);
  }

  scan(namespace: string, prefix: string, limit: number, afterKey = ''): StateEntry[] {
    return this.list(namespace)
      .filter(([k]) => k.startsWith(prefix) && k > afterKey)
      .slice(0, limit)
      .map(([key, value]) => ({ key, value }));
  }

  /** Every [key, value] of a namespace, sorted by key (tests; contracts read prefixes with scan). */
  list(namespace: string): Array<[string, JsonValue]> {
    const out: Array<[string, JsonValue]> = [];
    for (const [k, v] of this.entries) {
      const [ns, key] = [k.slice(0, k.indexOf(SEP)), k.slice(k.indexOf(SEP) + 1)];
      if (ns === namespace) out.push([key, structuredClone(v)]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** A state's scan as the read side's StateScan (LedgerPort.scan). */
export function scanOf(state: StateAccess): (namespace: string, prefix: string, limit: number, afterKey?: string) => Array<{ key: string; value: JsonValue }> {
  return (namespace, prefix, limit, afterKey) => state.scan(namespace, prefix, limit, afterKey);
}

export interface StateWrite {
  namespace: string;
  key: string;
  /** undefined for a delete. */
  value: JsonValue | undefined;
}

/** One transaction's view: reads fall through to committed state, writes stay staged. */
class TxState implements StateAccess {
  readonly staged = new Map<string, StateWrite>();
  constructor(private readonly base: MemoryState) {}

  get(namespace: string, key: string): JsonValue | undefined {
    const w = this.staged.get(namespace + SEP + key);
    if (w !== undefined) return w.value === undefined ? undefined : structuredClone(w.value);
    return this.base.get(namespace, key);
  }

  put(namespace: string, key: string, value: JsonValue): void {
    this.staged.set(namespace + SEP + key, { namespace, key, value: structuredClone(value) });
  }

  delete(namespace: string, key: string): void {
    this.staged.set(namespace + SEP + key, { namespace, key, value: undefined });
  }

  /** Committed entries with the staged writes applied (a plain merge: test states are small). */
  scan(namespace: string, prefix: string, limit: number, afterKey = ''): StateEntry[] {
    const merged = new Map(this.base.scan(namespace, prefix, Number.MAX_SAFE_INTEGER, afterKey).map((e) => [e.key, e.value]));
    for (const w of this.staged.values()) {
      if (w.namespace !== namespace || !w.key.startsWith(prefix) || !(w.key > afterKey)) continue;
      if (w.value === undefined) merged.delete(w.key);
      else merged.set(w.key, structuredClone(w.value));
    }
    return [...merged.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map((key) => ({ key, value: merged.get(key)! }));
  }
}

export interface RunOptions {
  signer: string;
  state: MemoryState;
  blockTime?: string;
  txTime?: string;
  txId?: string;
  height?: number;
  index?: number;
  network?: string;
}

export interface RunResult {
  /** undefined when the transaction committed (result OK). */
  refusal: Refusal | undefined;
  events: LedgerEvent[];
  /** Writes committed by the transaction in write order; empty on refusal. */
  writes: StateWrite[];
}

export const TEST_NETWORK = 'test-net';
export const TEST_BLOCK_TIME = '2026-01-01T00:00:00.000Z';

/** A deterministic, well-formed key id for a label (not a usable signing key: tests skip signatures). */
export function testKeyId(label: string): string {
  return keyIdFromPublicKey(sha256(utf8('careledger.test-key\n' + label)));
}

/** Runs one action the way the executor does (minus signature, network and time checks). */
export function runAction(contract: Contract, actionName: string, args: unknown, options: RunOptions): RunResult {
  const { state } = options;
  state.txCount += 1;
  const done = (refusal: Refusal): RunResult => ({ refusal, events: [], writes: [] });
  const action = Object.hasOwn(contract.actions, actionName) ? contract.actions[actionName] : undefined;
  if (action === undefined) return done({ code: 'UNKNOWN_ACTION' });

  const raw = state.get(KEYS_NAMESPACE, options.signer);
  const signerKey = raw === undefined ? undefined : (raw as KeyRecord);
  if (action.signer !== 'any') {
    if (signerKey === undefined) return done({ code: 'UNKNOWN_SIGNER' });
    if (signerKey.status === 'revoked') return done({ code: 'REVOKED_SIGNER' });
  }
  const parsed = action.args.safeParse(args);
  if (!parsed.success) return done({ code: 'INVALID_ARGS', detail: parsed.error.issues[0]?.message ?? 'schema' });

  const tx = new TxState(state);
  const events: LedgerEvent[] = [];
  const blockTime = options.blockTime ?? TEST_BLOCK_TIME;
  const ctx: ExecContext = {
    network: options.network ?? TEST_NETWORK,
    txId: options.txId ?? sha256Hex(utf8(`careledger.test-tx/${state.txCount}`)),
    height: options.height ?? state.txCount,
    index: options.index ?? 0,
    blockTime,
    txTime: options.txTime ?? blockTime,
    signer: options.signer,
    signerKey,
    state: tx,
    emit(type, data) {
      events.push({ contract: contract.name, type, data: structuredClone(data) });
    },
  };
  const authorization = action.authorize(ctx, parsed.data);
  const refusal = isRefusal(authorization) ? authorization : action.apply(ctx, parsed.data, authorization?.allowed);
  if (refusal !== undefined) return done(refusal);
  const writes = [...tx.staged.values()];
  for (const w of writes) {
    if (w.value === undefined) state.delete(w.namespace, w.key);
    else state.put(w.namespace, w.key, w.value);
  }
  return { refusal: undefined, events, writes };
}
