// A person's Ed25519 keys in this browser: created by WebCrypto as
// non-extractable CryptoKeys (the private half can sign but never be read
// out, not even by this code), kept in IndexedDB with the identity they sign
// for (a patient's pseudonym, or a member's organisation and id). Nothing
// else is ever written to browser storage: no token, no record, no consent.
// A PKCS#8 file (the CLI's and the demo's key files) imports the same way:
// read once to learn its public key, then re-imported non-extractable.
import { concat, fromBase64, toBase64Url, utf8 } from './bytes.js';

export type Identity =
  | { kind: 'patient'; pseudonym: string }
  | { kind: 'member'; orgId: string; memberId: string };

export interface StoredKey {
  keyId: string;
  privateKey: CryptoKey;
  identity: Identity;
  createdAt: string;
}

export interface KeyPair {
  keyId: string;
  privateKey: CryptoKey;
}

const DB = 'careledger-keys';
const STORE = 'keys';
const ED25519 = { name: 'Ed25519' } as const;
/** RFC 8410 PKCS#8 prefix of an Ed25519 private key: the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export const keyIdOf = (rawPublic: Uint8Array): string => 'ed25519:' + toBase64Url(rawPublic);

/** A fresh non-extractable signing key. */
export async function generateKey(): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { keyId: keyIdOf(raw), privateKey: pair.privateKey };
}

/**
 * Imports a PKCS#8 DER Ed25519 key non-extractable. The key id needs the
 * public key, which WebCrypto only gives through an export: the DER is
 * imported once extractable, its JWK's x read, and that handle dropped.
 */
export async function importPkcs8(der: Uint8Array<ArrayBuffer>): Promise<KeyPair> {
  const temp = await crypto.subtle.importKey('pkcs8', der, ED25519, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', temp);
  if (typeof jwk.x !== 'string') throw new Error('the key file has no Ed25519 public key');
  const privateKey = await crypto.subtle.importKey('pkcs8', der, ED25519, false, ['sign']);
  return { keyId: 'ed25519:' + jwk.x, privateKey };
}

/** An Ed25519 key from its 32-byte seed (an enrolment code's provisional key). */
export const importSeed = (seed: Uint8Array): Promise<KeyPair> => importPkcs8(concat(PKCS8_ED25519_PREFIX, seed));

/** The DER inside a PEM 'PRIVATE KEY' block (or raw DER bytes as given). */
export function pkcs8FromFile(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
  if (m === null) return bytes;
  const der = fromBase64(m[1]!.replace(/\s+/g, ''));
  if (der === undefined) throw new Error('the PEM block is not base64');
  return der;
}

export async function sign(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign(ED25519, key, data));
}

/** Signs `domain || JCS(value)`-style input given as text. */
export const signText = (key: CryptoKey, text: string) => sign(key, utf8(text));

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'keyId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

async function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB error'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB aborted'));
    });
  } finally {
    db.close();
  }
}

export const saveKey = (k: StoredKey): Promise<IDBValidKey> => run('readwrite', (s) => s.put(k));
export const listKeys = (): Promise<StoredKey[]> => run('readonly', (s) => s.getAll() as IDBRequest<StoredKey[]>);
export const deleteKey = (keyId: string): Promise<undefined> => run('readwrite', (s) => s.delete(keyId));
