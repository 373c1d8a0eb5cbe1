// The key-provider seam (docs/keys.md): a KeyWrapper seals and opens the
// 32-byte keyring key under a secret the data directory does not hold (a
// passphrase, a token's non-extractable AES key, a key file kept elsewhere).
// Its non-secret parameters go into the keyring header, bound as AAD, so
// `start` knows how to unlock without flags and an altered header fails.
import { z } from 'zod';

/** The providers a node can unlock its keyring with. */
export const KEY_PROVIDERS = ['pkcs11', 'passphrase', 'file'] as const;
export type KeyProviderKind = (typeof KEY_PROVIDERS)[number];

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

export const scryptParamsSchema = z.strictObject({
  kdf: z.literal('scrypt'),
  salt: b64u.min(22).max(86),
  /** CPU/memory cost, a power of two from 2^14 to 2^20 (a hostile file cannot ask for more). */
  N: z.number().int().min(2 ** 14).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
  r: z.number().int().min(8).max(16),
  p: z.number().int().min(1).max(4),
});
export type ScryptParams = z.infer<typeof scryptParamsSchema>;

export const wrapParamsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('passphrase'), ...scryptParamsSchema.shape }),
  z.strictObject({
    kind: z.literal('pkcs11'),
    /** The PKCS#11 module used at init; `start --pkcs11-module` overrides it. */
    module: z.string().min(1).max(4096),
    tokenLabel: z.string().min(1).max(32),
    keyLabel: z.string().min(1).max(128),
  }),
  z.strictObject({
    kind: z.literal('file'),
    /** Absolute path of the plain wrapping-key file (development only), outside the data directory. */
    keyFile: z.string().min(1).max(4096),
  }),
]);
export type WrapParams = z.infer<typeof wrapParamsSchema>;

/** Seals and opens a 32-byte key under the provider's secret. */
export interface KeyWrapper {
  readonly params: WrapParams;
  /** Returns IV || ciphertext || tag (AES-256-GCM) of `key`, bound to `aad`. */
  wrap(key: Uint8Array, aad: Uint8Array): Uint8Array;
  /** The key, or undefined when the secret is wrong or anything sealed or bound was altered. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}
