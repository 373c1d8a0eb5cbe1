// A read-through cache of committed state text in front of the store, for the
// executor's hot path (network config, org and key records are read by almost
// every transaction). Updated with each committed block's writes, so it never
// serves a value older than the last commit.
import type { StateSource, StateWrite } from '../ledger/index.js';
import type { LedgerStore } from '../storage/index.js';

const SEP = '\u0000';

export class StateCache implements StateSource {
  private readonly cache = new Map<string, string | null>();

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

  hasTx(txId: string): boolean {
    return this.store.hasTx(txId);
  }

  /** Records a committed block's writes (call only after the commit succeeded). */
  applyCommitted(writes: readonly StateWrite[]): void {
    for (const w of writes) {
      const k = w.namespace + SEP + w.key;
      if (this.cache.has(k) || this.cache.size < this.limit) this.cache.set(k, w.text);
    }
  }
}
