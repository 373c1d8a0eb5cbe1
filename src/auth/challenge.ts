// Stateless patient sign-in challenges. A challenge is
//   base64url( nonce (16 random bytes) || expiresAt (uint64 BE, ms) || mac (32) )
// with mac = HMAC-SHA-256(challengeKey, CHALLENGE_MAC_DOMAIN || nonce || expiresAt).
// Issuing one stores nothing, so no number of anonymous POST /auth/challenge
// can deny sign-in to anyone else. Single use is enforced when a challenge is
// redeemed: the AuthStore remembers the nonces of successful sign-ins until
// their expiry, a set that only a real patient (or delegate) key can grow.
// The MAC key is the host's (AuthDeps.challengeKey, e.g. from a key
// provider), or else 32 random bytes per AuthStore kept in memory: a restart
// then invalidates the challenges outstanding, which live two minutes.
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, fromBase64Url, hmacSha256, toBase64Url, utf8 } from '../crypto/index.js';
import type { AuthDeps } from './deps.js';
import type { AuthStore } from './store.js';

/** Domain separation of the challenge MAC from every other use of the key. */
export const CHALLENGE_MAC_DOMAIN = 'careledger.auth-challenge/1\n';
export const CHALLENGE_NONCE_BYTES = 16;
const EXPIRY_BYTES = 8;
const MAC_BYTES = 32;
/** Decoded length of a challenge: nonce, expiry, MAC. */
export const CHALLENGE_BYTES = CHALLENGE_NONCE_BYTES + EXPIRY_BYTES + MAC_BYTES;
/** Length of a challenge in base64url characters (no padding). */
export const CHALLENGE_CHARS = Math.ceil((CHALLENGE_BYTES * 4) / 3);
export const CHALLENGE_TTL_MS = 2 * 60_000;
/** Bytes of a host-supplied challenge key. */
export const CHALLENGE_KEY_BYTES = 32;

const DOMAIN_BYTES = utf8(CHALLENGE_MAC_DOMAIN);
const ephemeralKeys = new WeakMap<AuthStore, Uint8Array>();

export interface Challenge {
  /** base64url of nonce || expiry || MAC (CHALLENGE_CHARS characters). */
  challenge: string;
  /** RFC 3339 instant after which the challenge is refused. */
  expiresAt: string;
}

/** An authentic, unexpired challenge: its nonce (the single-use key) and expiry. */
export interface OpenedChallenge {
  nonce: Uint8Array;
  expiresAt: number;
}

function challengeKeyOf(deps: AuthDeps): Uint8Array {
  if (deps.challengeKey !== undefined) return deps.challengeKey;
  let key = ephemeralKeys.get(deps.store);
  if (key === undefined) {
    key = new Uint8Array(randomBytes(CHALLENGE_KEY_BYTES));
    ephemeralKeys.set(deps.store, key);
  }
  return key;
}

function macOf(key: Uint8Array, nonce: Uint8Array, expiry: Uint8Array): Uint8Array {
  return hmacSha256(key, DOMAIN_BYTES, nonce, expiry);
}

/** A fresh challenge valid for CHALLENGE_TTL_MS from `now`. Stores nothing. */
export function issueChallenge(deps: AuthDeps, now: number): Challenge {
  const nonce = new Uint8Array(randomBytes(CHALLENGE_NONCE_BYTES));
  const expiresAt = now + CHALLENGE_TTL_MS;
  const expiry = new Uint8Array(EXPIRY_BYTES);
  new DataView(expiry.buffer).setBigUint64(0, BigInt(expiresAt));
  const bytes = new Uint8Array(CHALLENGE_BYTES);
  bytes.set(nonce, 0);
  bytes.set(expiry, CHALLENGE_NONCE_BYTES);
  bytes.set(macOf(challengeKeyOf(deps), nonce, expiry), CHALLENGE_NONCE_BYTES + EXPIRY_BYTES);
  return { challenge: toBase64Url(bytes), expiresAt: new Date(expiresAt).toISOString() };
}

/**
 * The challenge's nonce and expiry if this node issued it (MAC compared in
 * constant time) and it has not expired at `now`; undefined otherwise. Says
 * nothing about whether it was already used (see AuthStore.spendChallenge).
 */
export function openChallenge(challenge: string, deps: AuthDeps, now: number): OpenedChallenge | undefined {
  const bytes = fromBase64Url(challenge);
  if (bytes?.byteLength !== CHALLENGE_BYTES) return undefined;
  const nonce = bytes.subarray(0, CHALLENGE_NONCE_BYTES);
  const expiry = bytes.subarray(CHALLENGE_NONCE_BYTES, CHALLENGE_NONCE_BYTES + EXPIRY_BYTES);
  const mac = bytes.subarray(CHALLENGE_NONCE_BYTES + EXPIRY_BYTES);
  if (!constantTimeEqual(macOf(challengeKeyOf(deps), nonce, expiry), mac)) return undefined;
  const expiresAt = Number(new DataView(expiry.buffer, expiry.byteOffset, EXPIRY_BYTES).getBigUint64(0));
  if (!(expiresAt > now) || expiresAt > now + CHALLENGE_TTL_MS) return undefined;
  return { nonce: nonce.slice(), expiresAt };
}
