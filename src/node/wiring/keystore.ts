// A node's keys (docs/keys.md): creating the sealed keyring at init with the
// chosen key provider, writing the org admin key OUTSIDE the data directory,
// and unlocking the keyring at start. The provider's non-secret parameters are
// in the keyring header, so `start` needs only the secret (passphrase or PIN).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { signingKeyToPem, type SigningKey } from '../../crypto/index.js';
import {
  createKeyFileWrapper,
  createKeyring,
  ensurePkcs11Key,
  keyFileWrapper,
  newPassphraseWrapper,
  openKeyring,
  parseKeyring,
  passphraseWrapper,
  pkcs11Wrapper,
  type KeyProviderKind,
  type KeyWrapper,
  type NodeSecrets,
  type WrapParams,
} from '../../keys/index.js';
import { CareLedgerError } from '../../errors/index.js';
import { keyHome, paths, writePrivateFile } from './datadir.js';

/** How `init` seals a new keyring. */
export type KeyProviderChoice =
  /** Development only: a plain wrapping-key file outside the data directory (default `<D>-keys/keyring.key`). */
  | { kind: 'file'; keyFile?: string }
  | { kind: 'passphrase'; passphrase: string; cost?: { N: number; r: number; p: number } }
  | { kind: 'pkcs11'; module: string; tokenLabel: string; pin: string; keyLabel?: string };

/** What `start` may need to unlock a keyring; the rest is in its header. */
export interface UnlockSecrets {
  passphrase?: string | undefined;
  pin?: string | undefined;
  /** Overrides the PKCS#11 module path recorded at init. */
  pkcs11Module?: string | undefined;
}

/** A node's unsealed keys and how they were unlocked. */
export interface NodeKeys extends NodeSecrets {
  provider: KeyProviderKind;
  /** The development key file, when provider is 'file'. */
  keyFile?: string;
}

function wrapperFor(dataDir: string, choice: KeyProviderChoice): KeyWrapper {
  switch (choice.kind) {
    case 'file': {
      const keyFile = resolve(choice.keyFile ?? keyHome(dataDir).keyFile);
      if (isInside(keyFile, dataDir)) throw new CareLedgerError('MALFORMED', 'the key file must be outside the data directory', { field: 'keyFile' });
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      // One development key file may wrap several keyrings (a data directory deleted and initialised again).
      return existsSync(keyFile) ? keyFileWrapper(keyFile) : createKeyFileWrapper(keyFile);
    }
    case 'passphrase':
      return newPassphraseWrapper(choice.passphrase, choice.cost);
    case 'pkcs11':
      ensurePkcs11Key(choice);
      return pkcs11Wrapper(choice);
  }
}

function isInside(file: string, dir: string): boolean {
  const d = resolve(dir);
  return file === d || file.startsWith(`${d}/`);
}

/**
 * Creates `dir/keys/keyring.sealed` (mode 0600) with fresh node, HPKE and
 * vault keys sealed under the chosen provider. `finalDataDir` is where the
 * directory will live (init stages in a sibling and renames it).
 */
export function createNodeKeyring(dir: string, choice: KeyProviderChoice, finalDataDir = dir): NodeKeys {
  const wrapper = wrapperFor(finalDataDir, choice);
  const { text, secrets } = createKeyring(wrapper);
  mkdirSync(paths(dir).keys, { recursive: true, mode: 0o700 });
  writePrivateFile(paths(dir).keyring, text);
  return { ...secrets, provider: wrapper.params.kind, ...(wrapper.params.kind === 'file' ? { keyFile: wrapper.params.keyFile } : {}) };
}

function unlockWrapper(params: WrapParams, secrets: UnlockSecrets): KeyWrapper {
  switch (params.kind) {
    case 'file':
      return keyFileWrapper(params.keyFile);
    case 'passphrase':
      if (secrets.passphrase === undefined) {
        throw new CareLedgerError('UNAUTHENTICATED', 'the keyring is sealed with a passphrase: give it with --passphrase-fd N or CARELEDGER_PASSPHRASE', {
          field: 'passphrase',
        });
      }
      return passphraseWrapper(params, secrets.passphrase);
    case 'pkcs11':
      if (secrets.pin === undefined) {
        throw new CareLedgerError('UNAUTHENTICATED', `the keyring is sealed by PKCS#11 token '${params.tokenLabel}': give its PIN with --pin-fd N or CARELEDGER_PKCS11_PIN`, {
          field: 'pin',
        });
      }
      return pkcs11Wrapper({ module: secrets.pkcs11Module ?? params.module, tokenLabel: params.tokenLabel, keyLabel: params.keyLabel, pin: secrets.pin });
  }
}

/** Unlocks `D/keys/keyring.sealed`. Errors name the file and the provider, never a key. */
export function unlockKeyring(dataDir: string, secrets: UnlockSecrets = {}): NodeKeys {
  const p = paths(dataDir);
  let text: string;
  try {
    text = readFileSync(p.keyring, 'utf8');
  } catch (cause) {
    if (existsSync(p.legacyNodeKey)) {
      throw new CareLedgerError('CONFLICT', `${dataDir} keeps plain private keys from an older version (keys/*.pem, keys/kek) and no sealed keyring; these keys are exposed: initialise a new node (docs/keys.md)`, {
        field: 'keyring',
      });
    }
    throw new CareLedgerError('NOT_FOUND', `no keyring at ${p.keyring}`, { field: 'keyring', cause });
  }
  const file = parseKeyring(text);
  const opened = openKeyring(file, unlockWrapper(file.provider, secrets));
  return { ...opened, provider: file.provider.kind, ...(file.provider.kind === 'file' ? { keyFile: file.provider.keyFile } : {}) };
}

/** The warning a node logs at start when its keys are only as safe as a plain file (never the key itself). */
export function developmentKeyWarning(keys: Pick<NodeKeys, 'provider' | 'keyFile'>): string | undefined {
  if (keys.provider !== 'file') return undefined;
  return (
    `WARNING: development key provider: the keyring is wrapped by the plain key file ${keys.keyFile ?? '?'}; ` +
    'whoever holds it and a copy of the data directory can decrypt every record and sign as this node. ' +
    'Use --key-provider passphrase or pkcs11 for real patient data (docs/keys.md).'
  );
}

/**
 * Writes the org admin key (PKCS#8 PEM, mode 0600) outside the data
 * directory. An explicit path is never overwritten; at the default path an
 * older key is kept aside as `admin.pem.<time>.old` so a re-initialised
 * development network does not destroy a key someone may still need.
 */
export function writeAdminKey(dataDir: string, admin: SigningKey, out?: string): string {
  const file = resolve(out ?? keyHome(dataDir).adminKey);
  if (isInside(file, dataDir)) throw new CareLedgerError('MALFORMED', 'the admin key must be written outside the data directory', { field: 'adminKeyOut' });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (out === undefined && existsSync(file)) renameSync(file, `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}.old`);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CareLedgerError(exists ? 'ALREADY_EXISTS' : 'INTERNAL', `cannot write the admin key to ${file}`, { field: 'adminKeyOut', cause });
  }
  try {
    writeSync(fd, signingKeyToPem(admin));
  } finally {
    closeSync(fd);
  }
  return file;
}
