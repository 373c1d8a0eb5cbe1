// The sealed keyring (docs/keys.md): the only key material in a data
// directory, `D/keys/keyring.sealed`. A random 32-byte keyring key seals the
// node's secrets (Ed25519 signing seed, X25519 HPKE secret, vault KEK) with
// AES-256-GCM; the key provider wraps the keyring key. Both seals are bound
// (AAD) to the header: the format, the provider's parameters and the node's
// public keys, so no header field can be swapped without failing the tag.
//   {"format":"careledger.keyring/1","provider":{...},"nodeKeyId":"ed25519:...",
//    "hpkePublicKey":"<b64u>","wrappedKey":"<b64u IV||ct||tag>","sealed":"<b64u IV||ct||tag>"}
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes, constantTimeEqual, fromBase64Url, signingKeyFromSeed, toBase64Url, utf8, type SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { Kek } from '../vault/index.js';
import { openLocal, sealLocal } from './local-aes.js';
import { wrapParamsSchema, type KeyWrapper, type WrapParams } from './wrapper.js';

export const KEYRING_FORMAT = 'careledger.keyring/1';
const PAYLOAD_MAGIC = utf8('CLK1');
const SECRET_BYTES = 32;
const PAYLOAD_BYTES = PAYLOAD_MAGIC.byteLength + 3 * SECRET_BYTES;
/** PKCS#8 DER prefix of a 32-byte X25519 private key (RFC 8410). */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/).max(1024);
export const keyringFileSchema = z.strictObject({
  format: z.literal(KEYRING_FORMAT),
  provider: wrapParamsSchema,
  nodeKeyId: z.string().regex(/^ed25519:[A-Za-z0-9_-]{43}$/),
  hpkePublicKey: b64u,
  wrappedKey: b64u,
  sealed: b64u,
});
export type KeyringFile = z.infer<typeof keyringFileSchema>;

/** A node's secrets once unsealed; the KEK never prints, the rest are KeyObjects. */
export interface NodeSecrets {
  nodeKey: SigningKey;
  hpkePrivateKey: KeyObject;
  /** Raw 32-byte X25519 public key. */
  hpkePublicKey: Uint8Array;
  kek: Kek;
}

/** Raw secrets as sealed; callers zero them after use. */
interface Material {
  nodeSeed: Uint8Array;
  hpkeSecret: Uint8Array;
  kek: Uint8Array;
}

function secretsOf(m: Material): NodeSecrets {
  const der = Buffer.concat([X25519_PKCS8_PREFIX, m.hpkeSecret]);
  try {
    const hpkePrivateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const x = fromBase64Url(String(createPublicKey(hpkePrivateKey).export({ format: 'jwk' }).x));
    if (x?.byteLength !== 32) throw new CareLedgerError('INTERNAL', 'not an X25519 key');
    return { nodeKey: signingKeyFromSeed(m.nodeSeed), hpkePrivateKey, hpkePublicKey: x, kek: Kek.fromBytes(m.kek) };
  } finally {
    der.fill(0);
  }
}

function headerAad(h: Pick<KeyringFile, 'format' | 'provider' | 'nodeKeyId' | 'hpkePublicKey'>): Uint8Array {
  return canonicalBytes({ format: h.format, provider: h.provider, nodeKeyId: h.nodeKeyId, hpkePublicKey: h.hpkePublicKey });
}

/**
 * Generates a node's secrets and seals them under `wrapper`; returns the
 * keyring file's text (write it with mode 0600) and the unsealed secrets.
 */
export function createKeyring(wrapper: KeyWrapper): { text: string; secrets: NodeSecrets } {
  const payload = randomBytes(PAYLOAD_BYTES);
  PAYLOAD_MAGIC.forEach((b, i) => (payload[i] = b));
  const keyringKey = randomBytes(SECRET_BYTES);
  try {
    const secrets = secretsOf(materialOf(payload));
    const header = {
      format: KEYRING_FORMAT,
      provider: wrapper.params,
      nodeKeyId: secrets.nodeKey.keyId,
      hpkePublicKey: toBase64Url(secrets.hpkePublicKey),
    } as const;
    const aad = headerAad(header);
    const file: KeyringFile = {
      ...header,
      wrappedKey: toBase64Url(wrapper.wrap(keyringKey, aad)),
      sealed: toBase64Url(sealLocal(keyringKey, payload, aad)),
    };
    return { text: `${JSON.stringify(file, null, 2)}\n`, secrets };
  } finally {
    payload.fill(0);
    keyringKey.fill(0);
  }
}

function materialOf(payload: Uint8Array): Material {
  const at = (i: number) => payload.subarray(PAYLOAD_MAGIC.byteLength + i * SECRET_BYTES, PAYLOAD_MAGIC.byteLength + (i + 1) * SECRET_BYTES);
  return { nodeSeed: at(0), hpkeSecret: at(1), kek: at(2) };
}

/** Parses a keyring file's text (hostile input: schema-checked). */
export function parseKeyring(text: string): KeyringFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CareLedgerError('MALFORMED', 'the keyring file is not JSON', { field: 'keyring' });
  }
  const parsed = keyringFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CareLedgerError('MALFORMED', `the keyring file is invalid at ${parsed.error.issues[0]?.path.join('.') ?? '?'}`, { field: 'keyring' });
  }
  return parsed.data;
}


/**
 * The raw secrets of a keyring (node seed, X25519 secret, KEK), for audits
 * such as the copied-disk test; the caller zeroes them. A wrong secret and an
 * altered byte are the same failure to AES-GCM: UNAUTHENTICATED, field 'keyring'.
 */
export function openKeyringRaw(file: KeyringFile, wrapper: KeyWrapper): { nodeSeed: Uint8Array; hpkeSecret: Uint8Array; kek: Uint8Array } {
  const aad = headerAad(file);
  const wrapped = fromBase64Url(file.wrappedKey);
  const sealed = fromBase64Url(file.sealed);
  if (!wrapped || !sealed) throw new CareLedgerError('MALFORMED', 'the keyring file is not base64url', { field: 'keyring' });
  const keyringKey = wrapper.unwrap(wrapped, aad);
  if (keyringKey?.byteLength !== SECRET_BYTES) throw unsealFailed(file);
  let payload: Uint8Array | undefined;
  try {
    payload = openLocal(keyringKey, sealed, aad);
    if (payload?.byteLength !== PAYLOAD_BYTES || !constantTimeEqual(payload.subarray(0, PAYLOAD_MAGIC.byteLength), PAYLOAD_MAGIC)) throw unsealFailed(file);
    const m = materialOf(payload);
    return { nodeSeed: m.nodeSeed.slice(), hpkeSecret: m.hpkeSecret.slice(), kek: m.kek.slice() };
  } finally {
    keyringKey.fill(0);
    payload?.fill(0);
  }
}

/** Unseals a keyring with the provider's wrapper (errors: openKeyringRaw). */
export function openKeyring(file: KeyringFile, wrapper: KeyWrapper): NodeSecrets {
  const raw = openKeyringRaw(file, wrapper);
  try {
    const secrets = secretsOf(raw);
    if (secrets.nodeKey.keyId !== file.nodeKeyId || toBase64Url(secrets.hpkePublicKey) !== file.hpkePublicKey) throw unsealFailed(file);
    return secrets;
  } finally {
    raw.nodeSeed.fill(0);
    raw.hpkeSecret.fill(0);
    raw.kek.fill(0);
  }
}

function unsealFailed(file: KeyringFile): CareLedgerError {
  return new CareLedgerError('UNAUTHENTICATED', `cannot unseal the keyring with this ${secretName(file.provider)}: it is wrong, or the keyring file was altered`, {
    field: 'keyring',
  });
}

function secretName(p: WrapParams): string {
  if (p.kind === 'passphrase') return 'passphrase';
  if (p.kind === 'pkcs11') return `PKCS#11 token key '${p.keyLabel}'`;
  return `key file ${p.keyFile}`;
}

