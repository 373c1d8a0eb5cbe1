// Public face of the node layer.
export { LedgerNode } from './ledger-node.js';
export type { CommittedBlock, LedgerNodeOptions, TxResult } from './ledger-node.js';
export { openNode, closeNode, initDevNetwork } from './bootstrap.js';
export type { InitOptions, InitResult, OpenedNode, OpenOptions } from './bootstrap.js';
export { defaultRegistry } from './contracts.js';
export {
  paths,
  isInitialised,
  readNodeConfig,
  loadSigningKey,
  keyHome,
  writePrivateFile,
} from './datadir.js';
export { createNodeKeyring, developmentKeyWarning, unlockKeyring, writeAdminKey } from './keystore.js';
export type { KeyProviderChoice, NodeKeys, UnlockSecrets } from './keystore.js';
export type { NodeConfig } from './datadir.js';
export { VerifyPool } from './verify-pool.js';
export { DEFAULT_SUBMIT_LIMITS, SubmitRefusal, parseQuotaFlag } from './submit-gate.js';
export type { SubmitItem, SubmitLimits } from './submit-gate.js';
export type { Quota } from './token-buckets.js';
export { openRecords, openRecordsDatabase } from './records-service.js';
export type { RecordsService } from './records-service.js';
