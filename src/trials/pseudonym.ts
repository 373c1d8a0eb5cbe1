// Per-trial participant pseudonyms: `tp-` + the first 16 bytes (hex) of
// HMAC-SHA-256(siteSecret, "careledger.trial-pseudonym/1\n" || JCS({trialId, patient})).
// The site recomputes a participant's pseudonym from the patient it knows;
// without the site's secret, two trials' pseudonyms of one patient, or a
// pseudonym and the patient's ledger pseudonym, cannot be linked (HMAC is a PRF).
import { canonicalBytes, hmacSha256, toHex, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

export const TRIAL_PSEUDONYM_DOMAIN = 'careledger.trial-pseudonym/1\n';
export const SITE_SECRET_BYTES = 32;

/** The participant's pseudonym in `trialId` for the site holding `siteSecret`. */
export function trialPseudonym(siteSecret: Uint8Array, trialId: string, patient: string): string {
  if (siteSecret.byteLength !== SITE_SECRET_BYTES) {
    throw new CareLedgerError('INTERNAL', `site secret must be ${SITE_SECRET_BYTES} bytes`, { field: 'siteSecret' });
  }
  return 'tp-' + toHex(hmacSha256(siteSecret, utf8(TRIAL_PSEUDONYM_DOMAIN), canonicalBytes({ trialId, patient })).subarray(0, 16));
}
