// Public face of the vault layer: the off-ledger encrypted record store
// (ARCHITECTURE section 6). Everything above imports from here.
export { Vault } from './vault.js';
export type { VaultOptions, PutInput, PutResult, RecordMeta, VaultRecord, ErasureResult } from './vault.js';
export { Kek, KEK_BYTES } from './kek.js';
export { COMMITMENT_DOMAIN, COMMITMENT_SALT_BYTES, commitmentOf, verifyCommitment } from './commitment.js';
export { MAX_RECORD_BYTES } from './fields.js';
