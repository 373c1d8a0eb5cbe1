// SHA-256 and HMAC-SHA-256 from node:crypto. SHA-256 uses the one-shot
// crypto.hash (no Hash object per call: about 30% cheaper for the short
// inputs of the ledger's hot path: leaves, tree nodes, ids).
import { createHmac, hash } from 'node:crypto';

function digest(parts: readonly Uint8Array[]): Buffer {
  return hash('sha256', parts.length === 1 ? parts[0]! : Buffer.concat(parts), 'buffer');
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const d = digest(parts); // a Buffer of its own 32-byte ArrayBuffer, viewed as a plain Uint8Array
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function sha256Hex(...parts: Uint8Array[]): string {
  return hash('sha256', parts.length === 1 ? parts[0]! : Buffer.concat(parts), 'hex');
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** base64url(HMAC-SHA-256(key, prefix || message)) straight from the digest: no copies (commitments checked in bulk). */
export function hmacSha256Base64Url(key: Uint8Array, prefix: Uint8Array, message: Uint8Array): string {
  return createHmac('sha256', key).update(prefix).update(message).digest('base64url');
}
