// A scan function (the ledger port's shape) over the in-memory test state.
import type { MemoryState } from '../testing.js';
import type { StateScan } from './queries.js';

export function MEMORY_SCAN(state: MemoryState): StateScan {
  return (namespace, prefix, limit, afterKey) =>
    state
      .list(namespace)
      .filter(([key]) => key.startsWith(prefix) && (afterKey === undefined || key > afterKey))
      .slice(0, limit)
      .map(([key, value]) => ({ key, value }));
}
