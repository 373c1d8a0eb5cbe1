// The TLS identity an organisation registers in governance (docs/tls.md): the
// SHA-256 of its node certificate's SubjectPublicKeyInfo (DER), base64url
// without padding. It is RFC 7469's pin-sha256 in base64url instead of
// base64, so it survives a certificate renewal that keeps the key and changes
// when the key does.
import { X509Certificate } from 'node:crypto';
import { toBase64Url } from './bytes.js';
import { sha256 } from './hash.js';

/** The pin of a DER SubjectPublicKeyInfo (a TLS peer certificate's `pubkey`). */
export function spkiPin(spkiDer: Uint8Array): string {
  return toBase64Url(sha256(spkiDer));
}

/** The pin of the first certificate in a PEM (or DER) buffer. */
export function certificatePin(cert: string | Buffer): string {
  const x509 = new X509Certificate(cert);
  return spkiPin(x509.publicKey.export({ type: 'spki', format: 'der' }));
}
