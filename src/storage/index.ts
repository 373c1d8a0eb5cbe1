// Public face of the storage layer.
export { SqliteLedgerStore, openDatabase } from './sqlite.js';
export { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, preparePrivateDatabaseFile } from './private-file.js';
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
