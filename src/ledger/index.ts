// Public face of the ledger layer.
export {
  TX_TYPE,
  TX_SIGNING_DOMAIN,
  MAX_ENVELOPE_BYTES,
  RFC3339_MILLIS,
  txSchema,
  envelopeSchema,
  txIdOf,
  txSigningInput,
  parseEnvelope,
  verifyEnvelopeSignature,
  signTx,
  formatTime,
} from './tx.js';
export type { Tx, Envelope, ParsedEnvelope, TxDraft } from './tx.js';
export { checkOrderedEnvelope, claimsTxId, envelopeJcs, decodeCheckedEnvelope } from './ordered.js';
export type { OrderedCheck } from './ordered.js';
export { KEYS_NAMESPACE, ContractRegistry, allow, deepFreeze, defineAction, isRefusal, refuse } from './contract.js';
export type {
  ActionDef,
  Contract,
  ExecContext,
  JsonValue,
  KeyKind,
  KeyRecord,
  LedgerEvent,
  Refusal,
  Allowed,
  Authorization,
  StateAccess,
  StateEntry,
  StateReader,
} from './contract.js';
export { ZERO_HASH, blockHashOf, resultsHashOf, stateHashOf, sortWrites } from './block.js';
export type { BlockHeader, StateWrite } from './block.js';
export {
  NETWORK_NAMESPACE,
  NETWORK_CONFIG_KEY,
  DEFAULT_TIME_WINDOW_MS,
  executeBlock,
  BlockExecution,
  blockTimeOf,
} from './executor.js';
export type { BlockInput, BlockOutcome, ExecutedTx, StateSource } from './executor.js';
export {
  hashLeaf,
  hashChildren,
  emptyRoot,
  appendLeaves,
  rootAt,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  MemoryTreeStore,
} from './merkle/index.js';
export type { TreeNodeReader, TreeNode } from './merkle/index.js';
export { EMPTY_HEAD, assembleBlock, buildBlock, headAfter, nextBlockInput } from './build.js';
export type { ChainHead, BuiltBlock } from './build.js';
export {
  MAX_NOTE_BYTES,
  formatCheckpointBody,
  parseCheckpoint,
  parseCheckpointBody,
  signCheckpoint,
  addCosignature,
  verifyCheckpointSignatures,
  noteKeyHash,
} from './checkpoint.js';
export type { CheckpointFields, ParsedCheckpoint, NoteSignature } from './checkpoint.js';
export type { LedgerPort, StateRow, SubmitResult, BlockView, TxView, InclusionProof, CommittedBlock } from './port.js';
