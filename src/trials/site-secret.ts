// The site secret behind participant pseudonyms, kept in the node's vault
// (sealed under the key-encryption key like any record, so a copied data
// directory does not reveal it): 32 random bytes created on first use.
import { randomBytes } from 'node:crypto';
import { isCareLedgerError } from '../errors/index.js';
import type { Vault } from '../vault/index.js';
import { SITE_SECRET_BYTES } from './pseudonym.js';

const OWNER = 'site.trials';
const RECORD_ID = 'trials.site-secret';
const RESOURCE_TYPE = 'TrialSiteSecret';

/** This site's secret, created and stored on first use (the first writer wins a race). */
export function loadSiteSecret(vault: Vault): Uint8Array {
  if (!vault.has(RECORD_ID)) {
    const secret = new Uint8Array(randomBytes(SITE_SECRET_BYTES));
    try {
      vault.put({ pseudonym: OWNER, resourceType: RESOURCE_TYPE, recordId: RECORD_ID, version: 1, plaintext: secret });
    } catch (e) {
      if (!isCareLedgerError(e) || e.code !== 'ALREADY_EXISTS') throw e;
    } finally {
      secret.fill(0);
    }
  }
  return vault.get(RECORD_ID, 1).plaintext;
}
