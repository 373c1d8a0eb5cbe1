// A read-through cache of committed state text in front of the store, for the
// executor's hot path (network config, org and key records are read by almost
// every transaction). Updated with each committed block's writes, so it never
// serves a value older than the last commit.
import { deepFreeze, type JsonValue, type StateReader, type StateSource, type StateWrite } from '../ledger/index.js';
import type { LedgerStore } from '../storage/index.js';

const SEP = '\u0000';

export class StateCache implements StateSource {
  private readonly cache = new Map<string, string | null>();
  /** Parsed, deep-frozen values for off-ledger readers (consent decisions, auth, FHIR). */
  private readonly parsed = new Map<string, JsonValue | null>();

  constructor(
    private readonly store: LedgerStore,
    private readonly limit = 200_000,
  ) {}

  getState(namespace: string, key: string): string | undefined {
    const k = namespace + SEP + key;
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const value = this.store.getState(namespace, key);
    if (this.cache.size >= this.limit) this.cache.clear();
    this.cache.set(k, value ?? null);
    return value;
  }

  /**
   * Committed state as parsed values shared between callers: frozen, so a
   * caller that tried to modify one would throw instead of corrupting the cache.
   */
  readonly reader: StateReader = {
    get: (namespace, key) => {
      const k = namespace + SEP + key;
      const hit = this.parsed.get(k);
      if (hit !== undefined) return hit ?? undefined;
      const text = this.getState(namespace, key);
      const value = text === undefined ? null : deepFreeze(JSON.parse(text) as JsonValue);
      if (this.parsed.size >= this.limit) this.parsed.clear();
      this.parsed.set(k, value);
      return value ?? undefined;
    },
  };

  /** StateSource: committed values parsed once and shared (frozen) with the executor. */
  getValue(namespace: string, key: string): JsonValue | undefined {
    return this.reader.get(namespace, key);
  }

  hasTx(txId: string): boolean {
    return this.store.hasTx(txId);
  }

  /** Records a committed block's writes (call only after the commit succeeded). */
  applyCommitted(writes: readonly StateWrite[]): void {
    for (const w of writes) {
      const k = w.namespace + SEP + w.key;
      if (this.cache.has(k) || this.cache.size < this.limit) this.cache.set(k, w.text);
      // The executor's written values are already parsed and frozen: keep them.
      if (this.parsed.has(k) || this.parsed.size < this.limit) this.parsed.set(k, w.value === null ? null : deepFreeze(w.value));
      else this.parsed.delete(k);
    }
  }
}
