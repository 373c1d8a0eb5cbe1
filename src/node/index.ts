// Public face of the node layer.
export { LedgerNode } from './pipeline/ledger-node.js';
export type { CommittedBlock, LedgerNodeOptions, TxResult } from './pipeline/ledger-node.js';
export { openNode, closeNode, initDevNetwork } from './wiring/bootstrap.js';
export type { InitOptions, InitResult, OpenedNode, OpenOptions } from './wiring/bootstrap.js';
export { defaultRegistry } from './wiring/contracts.js';
export {
  paths,
  isInitialised,
  readNodeConfig,
  loadSigningKey,
  keyHome,
  writePrivateFile,
} from './wiring/datadir.js';
export { createNodeKeyring, developmentKeyWarning, unlockKeyring, writeAdminKey } from './wiring/keystore.js';
export type { KeyProviderChoice, NodeKeys, UnlockSecrets } from './wiring/keystore.js';
export type { NodeConfig } from './wiring/datadir.js';
export { VerifyPool } from './pipeline/verify-pool.js';
export { DEFAULT_SUBMIT_LIMITS, SubmitRefusal, parseQuotaFlag } from './pipeline/submit-gate.js';
export type { SubmitItem, SubmitLimits } from './pipeline/submit-gate.js';
export type { Quota } from './pipeline/token-buckets.js';
export { openRecords, openRecordsDatabase } from './wiring/records-service.js';
export type { RecordsService } from './wiring/records-service.js';
