// Public face of the keys layer: the sealed keyring and its key providers
// (PKCS#11 token, passphrase, plain development key file). docs/keys.md.
export { KEY_PROVIDERS, scryptParamsSchema, wrapParamsSchema } from './wrapper.js';
export type { KeyProviderKind, KeyWrapper, ScryptParams, WrapParams } from './wrapper.js';
export { KEYRING_FORMAT, createKeyring, keyringFileSchema, openKeyring, openKeyringRaw, parseKeyring } from './keyring.js';
export type { KeyringFile, NodeSecrets } from './keyring.js';
export { DEFAULT_SCRYPT, PASSPHRASE_MIN_CHARS, newPassphraseWrapper, passphraseWrapper } from './passphrase.js';
export { createKeyFileWrapper, keyFileWrapper } from './key-file.js';
export { DEFAULT_PKCS11_KEY_LABEL, ensurePkcs11Key, pkcs11Wrapper } from './pkcs11.js';
export type { Pkcs11Options, Pkcs11Params } from './pkcs11.js';
