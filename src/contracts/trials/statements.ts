// What a participant (or their legally authorised representative) signs with
// a trial-only key: a consent to one protocol version, or a withdrawal, for
// one network, trial and participant pseudonym. The site's node carries the
// signed statement on the ledger (an unregistered key cannot submit, and a
// registry key would link the trial to the holder's ledger identity); the
// contract verifies it, and anyone can re-verify it from the ledger.
// Signed bytes: "careledger.trial-consent/1\n" || JCS(statement).
import { fromBase64Url, verifyCanonical } from '../../crypto/index.js';

export const TRIAL_CONSENT_DOMAIN = 'careledger.trial-consent/1\n';

export type ConsentStatement =
  | { act: 'consent'; network: string; trialId: string; participant: string; version: number }
  | { act: 'withdraw'; network: string; trialId: string; participant: string };

export function consentStatement(network: string, trialId: string, participant: string, version: number): ConsentStatement {
  return { act: 'consent', network, trialId, participant, version };
}

export function withdrawalStatement(network: string, trialId: string, participant: string): ConsentStatement {
  return { act: 'withdraw', network, trialId, participant };
}

/** A participant's signature over a statement: the trial-only key and base64url Ed25519 signature. */
export interface ParticipantAttestation {
  keyId: string;
  sig: string;
}

/** Whether `attestation` is a valid signature of `statement` by its key. */
export function verifyStatement(statement: ConsentStatement, attestation: ParticipantAttestation): boolean {
  const sig = fromBase64Url(attestation.sig);
  return sig !== undefined && sig.byteLength === 64 && verifyCanonical(attestation.keyId, TRIAL_CONSENT_DOMAIN, statement, sig);
}
