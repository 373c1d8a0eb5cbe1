// What the trials service uses of the vault layer, in one place.
import { isCareLedgerError } from '../errors/index.js';
import type { Vault, VaultRecord } from '../vault/index.js';

export { COMMITMENT_SALT_BYTES, commitmentOf } from '../vault/index.js';
export type { Vault };

/** A stored version, or undefined if the vault does not hold it (NOT_FOUND or GONE). */
export function fromVault(vault: Vault, recordId: string, version: number): VaultRecord | undefined {
  try {
    return vault.get(recordId, version);
  } catch (e) {
    if (isCareLedgerError(e) && (e.code === 'NOT_FOUND' || e.code === 'GONE')) return undefined;
    throw e;
  }
}

