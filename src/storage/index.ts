// Public face of the storage layer.
export { SqliteLedgerStore, openDatabase } from './sqlite.js';
export type {
  BatchLogStore,
  BatchRow,
  BlockCommit,
  BlockRow,
  LedgerStore,
  LogNodeRow,
  StateRow,
  StoredStateRow,
  TxRow,
} from './types.js';
