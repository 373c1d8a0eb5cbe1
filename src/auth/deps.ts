// What the auth logic needs from its host, injected (no HTTP, no node/ import):
// committed ledger state (the ledger port's `state`), the node key that signs access tokens, the SQLite
// auth store, the public URLs and a clock.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../crypto/index.js';
import type { StateReader } from '../ledger/index.js';
import type { AuthStore } from './store.js';

export interface AuthDeps {
  /** Committed ledger state (LedgerPort.state, src/ledger/port.ts); never a transaction's staged view. */
  readonly state: StateReader;
  /** Signs access tokens (EdDSA, kid = its key id). */
  readonly nodeKey: SigningKey;
  readonly store: AuthStore;
  /** This node's public base URL without a trailing slash, e.g. https://alpha.example: token issuer. */
  readonly baseUrl: string;
  /** Audience of access tokens; default baseUrl + '/fhir/R4'. */
  readonly fhirBaseUrl?: string;
  /**
   * HMAC key (32 bytes) of patient sign-in challenges, e.g. from the key
   * provider; default 32 random bytes per AuthStore, kept in memory.
   */
  readonly challengeKey?: Uint8Array;
  /** Clock in ms since the epoch (tests inject one); default Date.now. */
  readonly now?: () => number;
}

/** Path of the token endpoint under the base URL. */
export const TOKEN_PATH = '/auth/token';

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** The token endpoint URL: the `aud` every client assertion and patient sign-in must name. */
export function tokenUrlOf(deps: AuthDeps): string {
  return trimSlash(deps.baseUrl) + TOKEN_PATH;
}

/** The issuer of access tokens. */
export function issuerOf(deps: AuthDeps): string {
  return trimSlash(deps.baseUrl);
}

/** The audience of access tokens (the FHIR base URL). */
export function audienceOf(deps: AuthDeps): string {
  return trimSlash(deps.fhirBaseUrl ?? trimSlash(deps.baseUrl) + '/fhir/R4');
}

export function nowOf(deps: AuthDeps): number {
  return deps.now?.() ?? Date.now();
}

const publicKeys = new WeakMap<SigningKey, KeyObject>();

/** The node key's public KeyObject (cached per key). */
export function nodePublicKey(deps: AuthDeps): KeyObject {
  let key = publicKeys.get(deps.nodeKey);
  if (key === undefined) {
    key = createPublicKey(deps.nodeKey.privateKey);
    publicKeys.set(deps.nodeKey, key);
  }
  return key;
}
