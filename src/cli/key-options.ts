// Key-provider flags shared by `init`, `start` and `demo` (docs/keys.md):
// which provider seals a new keyring, and where the secret that unlocks it
// comes from: a file descriptor (`--passphrase-fd 3 3<secret`) or the
// environment (CARELEDGER_PASSPHRASE, CARELEDGER_PKCS11_PIN), removed from
// the environment once read so child processes do not inherit it.
import { closeSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CareLedgerError } from '../errors/index.js';
import type { KeyProviderChoice, UnlockSecrets } from '../node/index.js';

export const PASSPHRASE_ENV = 'CARELEDGER_PASSPHRASE';
export const PIN_ENV = 'CARELEDGER_PKCS11_PIN';
export const PKCS11_MODULE_ENV = 'CARELEDGER_PKCS11_MODULE';

export interface KeyFlags {
  keyProvider?: string;
  keyFile?: string;
  adminKeyOut?: string;
  passphraseFd?: string;
  pinFd?: string;
  pkcs11Module?: string;
  pkcs11Token?: string;
  pkcs11KeyLabel?: string;
}

/** Adds the flags that unlock an existing keyring. */
export function addUnlockOptions(command: Command): Command {
  return command
    .option('--passphrase-fd <n>', `read the keyring passphrase from this file descriptor (else ${PASSPHRASE_ENV})`)
    .option('--pin-fd <n>', `read the PKCS#11 user PIN from this file descriptor (else ${PIN_ENV})`)
    .option('--pkcs11-module <path>', `PKCS#11 library (else ${PKCS11_MODULE_ENV}; SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)`);
}

/** Adds the flags that choose how a new keyring is sealed, and where the admin key goes. */
export function addInitKeyOptions(command: Command): Command {
  return addUnlockOptions(command)
    .option('--key-provider <kind>', 'pkcs11, passphrase, or file (development: a plain key file outside the data directory)', 'file')
    .option('--key-file <file>', 'file provider: the wrapping-key file (default <data dir>-keys/keyring.key)')
    .option('--pkcs11-token <label>', 'pkcs11 provider: the token label')
    .option('--pkcs11-key-label <label>', 'pkcs11 provider: the AES key object on the token (created if absent)')
    .option('--admin-key-out <file>', 'where to write the organisation admin key (outside the data directory; default <data dir>-keys/admin.pem)');
}

function readFd(flag: string, value: string): string {
  const fd = Number(value);
  if (!Number.isSafeInteger(fd) || fd < 0) throw new CareLedgerError('MALFORMED', `${flag} must be a file descriptor number`, { field: flag });
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', `cannot read from file descriptor ${fd} (${flag})`, { field: flag, cause });
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
  return text.replace(/\r?\n$/, '');
}

function secretOf(fdFlag: string, fd: string | undefined, env: string): string | undefined {
  const fromEnv = process.env[env];
  delete process.env[env];
  if (fd !== undefined) return readFd(fdFlag, fd);
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** The secrets for unlocking, read once (fd first, then environment). */
export function unlockSecretsOf(o: KeyFlags): UnlockSecrets {
  const module = o.pkcs11Module ?? process.env[PKCS11_MODULE_ENV];
  return {
    passphrase: secretOf('--passphrase-fd', o.passphraseFd, PASSPHRASE_ENV),
    pin: secretOf('--pin-fd', o.pinFd, PIN_ENV),
    ...(module === undefined ? {} : { pkcs11Module: module }),
  };
}

/** The provider choice for a new keyring; `secrets` from unlockSecretsOf. */
export function keyProviderOf(o: KeyFlags, secrets: UnlockSecrets): KeyProviderChoice {
  switch (o.keyProvider ?? 'file') {
    case 'file':
      return { kind: 'file', ...(o.keyFile === undefined ? {} : { keyFile: o.keyFile }) };
    case 'passphrase':
      if (secrets.passphrase === undefined) {
        throw new CareLedgerError('MALFORMED', `--key-provider passphrase needs --passphrase-fd N or ${PASSPHRASE_ENV}`, { field: 'passphrase' });
      }
      return { kind: 'passphrase', passphrase: secrets.passphrase };
    case 'pkcs11':
      if (secrets.pkcs11Module === undefined) throw new CareLedgerError('MALFORMED', `--key-provider pkcs11 needs --pkcs11-module PATH or ${PKCS11_MODULE_ENV}`, { field: 'pkcs11Module' });
      if (o.pkcs11Token === undefined) throw new CareLedgerError('MALFORMED', '--key-provider pkcs11 needs --pkcs11-token LABEL', { field: 'pkcs11Token' });
      if (secrets.pin === undefined) throw new CareLedgerError('MALFORMED', `--key-provider pkcs11 needs --pin-fd N or ${PIN_ENV}`, { field: 'pin' });
      return {
        kind: 'pkcs11',
        module: secrets.pkcs11Module,
        tokenLabel: o.pkcs11Token,
        pin: secrets.pin,
        ...(o.pkcs11KeyLabel === undefined ? {} : { keyLabel: o.pkcs11KeyLabel }),
      };
    default:
      throw new CareLedgerError('MALFORMED', `unknown key provider '${o.keyProvider}' (pkcs11, passphrase or file)`, { field: 'keyProvider' });
  }
}

/** The init options for keys: provider choice and admin key path. */
export function initKeyOptionsOf(o: KeyFlags, secrets: UnlockSecrets): { keyProvider: KeyProviderChoice; adminKeyOut?: string } {
  return { keyProvider: keyProviderOf(o, secrets), ...(o.adminKeyOut === undefined ? {} : { adminKeyOut: o.adminKeyOut }) };
}
