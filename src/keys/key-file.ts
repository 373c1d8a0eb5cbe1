// The plain key-file provider, for `careledger demo` and development only: the
// keyring key is wrapped under 32 random bytes kept in a 0600 file OUTSIDE the
// data directory (by default a sibling `<data dir>-keys/`). A copied data
// directory alone opens nothing; the machine that holds both files does.
import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { fromBase64Url, toBase64Url } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { openLocal, sealLocal } from './local-aes.js';
import type { KeyWrapper } from './wrapper.js';

const KEY_BYTES = 32;

/** Creates the wrapping-key file (mode 0600, never overwrites) and its wrapper. */
export function createKeyFileWrapper(keyFile: string): KeyWrapper {
  if (!isAbsolute(keyFile)) throw new CareLedgerError('MALFORMED', 'the key file path must be absolute', { field: 'keyFile' });
  const raw = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(keyFile, 'wx', 0o600);
  } catch (cause) {
    raw.fill(0);
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CareLedgerError(exists ? 'ALREADY_EXISTS' : 'INTERNAL', `cannot create the key file ${keyFile}`, { field: 'keyFile', cause });
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${toBase64Url(raw)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    raw.fill(0);
  }
  return keyFileWrapper(keyFile);
}

/** A wrapper reading the key file at each use (refuses a file others can read, like ssh). */
export function keyFileWrapper(keyFile: string): KeyWrapper {
  return {
    params: { kind: 'file', keyFile },
    wrap: (key, aad) => withKey(keyFile, (k) => sealLocal(k, key, aad)),
    unwrap: (wrapped, aad) => withKey(keyFile, (k) => openLocal(k, wrapped, aad)),
  };
}

function withKey<T>(keyFile: string, use: (key: Uint8Array) => T): T {
  let fd: number;
  try {
    fd = openSync(keyFile, 'r');
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', `the keyring's key file ${keyFile} cannot be opened`, { field: 'keyFile', cause });
  }
  let raw: Uint8Array | undefined;
  try {
    if (process.platform !== 'win32' && (fstatSync(fd).mode & 0o077) !== 0) {
      throw new CareLedgerError('FORBIDDEN', `${keyFile} must not be readable by group or others (chmod 600)`, { field: 'keyFile' });
    }
    raw = fromBase64Url(readFileSync(fd, 'utf8').trim());
    if (raw?.byteLength !== KEY_BYTES) throw new CareLedgerError('MALFORMED', `${keyFile} is not base64url of ${KEY_BYTES} bytes`, { field: 'keyFile' });
    return use(raw);
  } finally {
    raw?.fill(0);
    closeSync(fd);
  }
}
