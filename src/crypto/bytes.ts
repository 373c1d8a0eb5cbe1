// Byte helpers: base64url (RFC 4648 section 5, no padding), hex, UTF-8, and a
// constant-time comparison for secrets, MACs and signatures.
import { timingSafeEqual } from 'node:crypto';

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes as base64url without padding (ARCHITECTURE section 4). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes strict base64url without padding; returns undefined for anything else. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Buffer.from(text, 'base64url'));
  // Reject non-canonical encodings (stray low bits in the last character).
  return toBase64Url(out) === text ? out : undefined;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Constant-time equality; lengths are not secret. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}
