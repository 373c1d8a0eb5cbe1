// A read-through cache of committed state text in front of the store, for the
// executor's hot path (network config, org and key records are read by almost
// every transaction). Updated with each committed block's writes, so it never
// serves a value older than the last commit.
import { deepFreeze, type JsonValue, type StateReader, type StateSource, type StateWrite } from '../../ledger/index.js';
import type { LedgerStore } from '../../storage/index.js';

const SEP = '\u0000';

/**
 * A bounded map with second-chance (CLOCK) eviction: a hit only sets a flag;
 * when full, the oldest entries that were used since they were last looked at
 * move to the back, and the first one that was not is evicted. Blocks that
 * write many new keys (access events, anchors) push out cold entries, never
 * the hot ones (network config, keys, consents) that every decision reads.
 */
class SecondChance<V> {
  private readonly map = new Map<string, { v: V; used: boolean }>();
  constructor(private readonly limit: number) {}

  get(k: string): V | undefined {
    const e = this.map.get(k);
    if (e === undefined) return undefined;
    e.used = true;
    return e.v;
  }

  set(k: string, v: V): void {
    const e = this.map.get(k);
    if (e !== undefined) {
      e.v = v;
      return;
    }
    if (this.map.size >= this.limit) this.evictOne();
    this.map.set(k, { v, used: false });
  }

  /** Replaces the value of an entry that is present; does nothing otherwise. */
  update(k: string, v: V): void {
    const e = this.map.get(k);
    if (e !== undefined) e.v = v;
  }

  private evictOne(): void {
    // Bounded: each pass clears one flag, so at most size + 1 steps.
    for (const [k, e] of this.map) {
      this.map.delete(k);
      if (!e.used) return;
      e.used = false;
      this.map.set(k, e);
    }
  }
}

export class StateCache implements StateSource {
  /** Committed text per key (null: absent), for StateSource.getState. */
  private readonly cache: SecondChance<string | null>;
  /** Parsed, deep-frozen values shared by the executor and off-ledger readers (consent decisions, auth, FHIR). */
  private readonly parsed: SecondChance<JsonValue | null>;
  /** Per namespace, the number of committed blocks that wrote to it (StateReader.stamp). */
  private readonly stamps = new Map<string, number>();

  constructor(
    private readonly store: LedgerStore,
    limit = 200_000,
  ) {
    this.cache = new SecondChance(limit);
    this.parsed = new SecondChance(limit);
  }

  getState(namespace: string, key: string): string | undefined {
    const k = namespace + SEP + key;
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const value = this.store.getState(namespace, key);
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
      const text = this.store.getState(namespace, key);
      const value = text === undefined ? null : deepFreeze(JSON.parse(text) as JsonValue);
      this.parsed.set(k, value);
      return value ?? undefined;
    },
    stamp: (namespace) => this.stamps.get(namespace) ?? 0,
  };

  /** StateSource: committed values parsed once and shared (frozen) with the executor. */
  getValue(namespace: string, key: string): JsonValue | undefined {
    return this.reader.get(namespace, key);
  }

  /** StateSource: committed rows straight from the store (scans are rare; the block's own writes are the executor's). */
  scanState(namespace: string, prefix: string, limit: number, afterKey?: string): Array<{ key: string; value: string }> {
    return this.store.scanState(namespace, prefix, limit, afterKey);
  }

  hasTx(txId: string): boolean {
    return this.store.hasTx(txId);
  }

  /** Records a committed block's writes (call only after the commit succeeded). */
  applyCommitted(writes: readonly StateWrite[]): void {
    const touched = new Set<string>();
    for (const w of writes) {
      touched.add(w.namespace);
      const k = w.namespace + SEP + w.key;
      // Only keys already cached are refreshed: written keys that nobody has
      // read (anchors, access events) would only grow the maps, and a big map
      // makes every lookup of the hot keys slower. The executor's written
      // values are already parsed and frozen.
      this.cache.update(k, w.text);
      this.parsed.update(k, w.value === null ? null : deepFreeze(w.value));
    }
    for (const ns of touched) this.stamps.set(ns, (this.stamps.get(ns) ?? 0) + 1);
  }
}
