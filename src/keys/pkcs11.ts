// The PKCS#11 provider (a hospital HSM; SoftHSM2 in tests): the keyring key is
// wrapped with C_Encrypt(CKM_AES_GCM) under an AES-256 key object that lives
// on the token (CKA_SENSITIVE, not CKA_EXTRACTABLE) and never leaves it. A
// session lasts one wrap or unwrap: initialise, log in with the PIN, find the
// key by label, encrypt or decrypt, log out, finalise.
// pkcs11js (native) is loaded only when this provider is used, so nodes that
// never use a token do not need it installed.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { concatBytes } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import type { KeyWrapper, WrapParams } from './wrapper.js';

export type Pkcs11Params = Extract<WrapParams, { kind: 'pkcs11' }>;
export const DEFAULT_PKCS11_KEY_LABEL = 'careledger-keyring';
const IV_BYTES = 12;

type Handle = Buffer;
interface Attribute { type: number; value?: number | boolean | string | Buffer }
interface Mechanism { mechanism: number; parameter?: { type: number; iv?: Buffer; aad?: Buffer; ivBits: number; tagBits: number } }
/** The part of pkcs11js's PKCS11 class used here (index.d.ts of pkcs11js 2.1). */
interface Pkcs11 {
  load(path: string): void;
  C_Initialize(): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_Logout(session: Handle): void;
  C_FindObjectsInit(session: Handle, template: Attribute[]): void;
  C_FindObjects(session: Handle, max: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GenerateKey(session: Handle, mechanism: Mechanism, template: Attribute[]): Handle;
  C_EncryptInit(session: Handle, mechanism: Mechanism, key: Handle): void;
  C_Encrypt(session: Handle, data: Buffer, out: Buffer): Buffer;
  C_DecryptInit(session: Handle, mechanism: Mechanism, key: Handle): void;
  C_Decrypt(session: Handle, data: Buffer, out: Buffer): Buffer;
}
type Pkcs11Module = Record<string, number> & { PKCS11: new () => Pkcs11 };

function loadPkcs11js(): Pkcs11Module {
  try {
    return createRequire(import.meta.url)('pkcs11js') as Pkcs11Module;
  } catch (cause) {
    throw new CareLedgerError('UNAVAILABLE', 'the PKCS#11 provider needs the pkcs11js package (npm install pkcs11js)', { field: 'pkcs11', cause });
  }
}

function errorCode(e: unknown): string {
  return e instanceof Error ? e.message.split(/[\s:]/)[0] ?? '' : '';
}

export interface Pkcs11Options {
  /** Path of the vendor's PKCS#11 library (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  tokenLabel: string;
  /** The user PIN; never stored. */
  pin: string;
  keyLabel?: string;
}

/** Runs `use` in a logged-in session on the token labelled `tokenLabel`. */
function withSession<T>(o: Pkcs11Options, use: (p: Pkcs11, pk: Pkcs11Module, session: Handle) => T): T {
  const pk = loadPkcs11js();
  const p = new pk.PKCS11();
  try {
    p.load(o.module);
  } catch (cause) {
    throw new CareLedgerError('UNAVAILABLE', `cannot load the PKCS#11 module ${o.module}`, { field: 'pkcs11Module', cause });
  }
  let finalize = true;
  try {
    p.C_Initialize();
  } catch (e) {
    if (errorCode(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw new CareLedgerError('UNAVAILABLE', 'the PKCS#11 module did not initialise', { field: 'pkcs11Module', cause: e });
    finalize = false;
  }
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trimEnd() === o.tokenLabel);
    if (!slot) throw new CareLedgerError('NOT_FOUND', `no PKCS#11 token labelled '${o.tokenLabel}'`, { field: 'pkcs11Token' });
    const session = p.C_OpenSession(slot, (pk['CKF_SERIAL_SESSION'] ?? 0) | (pk['CKF_RW_SESSION'] ?? 0));
    try {
      try {
        p.C_Login(session, pk['CKU_USER'] ?? 1, o.pin);
      } catch (e) {
        const code = errorCode(e);
        if (code === 'CKR_PIN_INCORRECT') throw new CareLedgerError('UNAUTHENTICATED', 'the PKCS#11 PIN is wrong', { field: 'pin' });
        if (code === 'CKR_PIN_LOCKED') throw new CareLedgerError('FORBIDDEN', 'the PKCS#11 PIN is locked', { field: 'pin' });
        if (code !== 'CKR_USER_ALREADY_LOGGED_IN') throw new CareLedgerError('UNAUTHENTICATED', `PKCS#11 login failed (${code})`, { field: 'pin', cause: e });
      }
      try {
        return use(p, pk, session);
      } finally {
        try {
          p.C_Logout(session);
        } catch {
          // already logged out: nothing to undo
        }
      }
    } finally {
      p.C_CloseSession(session);
    }
  } finally {
    if (finalize) p.C_Finalize();
  }
}

function findKeys(p: Pkcs11, pk: Pkcs11Module, session: Handle, label: string): Handle[] {
  p.C_FindObjectsInit(session, [
    { type: pk['CKA_CLASS']!, value: pk['CKO_SECRET_KEY']! },
    { type: pk['CKA_LABEL']!, value: label },
  ]);
  try {
    return p.C_FindObjects(session, 2);
  } finally {
    p.C_FindObjectsFinal(session);
  }
}

function theKey(p: Pkcs11, pk: Pkcs11Module, session: Handle, label: string): Handle {
  const keys = findKeys(p, pk, session, label);
  if (keys.length > 1) throw new CareLedgerError('CONFLICT', `more than one key labelled '${label}' on the token`, { field: 'pkcs11Key' });
  if (!keys[0]) throw new CareLedgerError('NOT_FOUND', `no key labelled '${label}' on the token`, { field: 'pkcs11Key' });
  return keys[0];
}

/**
 * Makes sure the token holds the wrapping key (an AES-256 secret key,
 * sensitive, not extractable, encrypt/decrypt only), generating it on the
 * token if it is absent; an HSM's security officer may also create it ahead.
 */
export function ensurePkcs11Key(o: Pkcs11Options): void {
  const label = o.keyLabel ?? DEFAULT_PKCS11_KEY_LABEL;
  withSession(o, (p, pk, session) => {
    if (findKeys(p, pk, session, label).length > 0) return;
    const a = (name: string, value: number | boolean | string) => ({ type: pk[name]!, value });
    p.C_GenerateKey(session, { mechanism: pk['CKM_AES_KEY_GEN']! }, [
      a('CKA_CLASS', pk['CKO_SECRET_KEY']!),
      a('CKA_KEY_TYPE', pk['CKK_AES']!),
      a('CKA_VALUE_LEN', 32),
      a('CKA_LABEL', label),
      a('CKA_TOKEN', true),
      a('CKA_PRIVATE', true),
      a('CKA_SENSITIVE', true),
      a('CKA_EXTRACTABLE', false),
      a('CKA_ENCRYPT', true),
      a('CKA_DECRYPT', true),
      a('CKA_WRAP', false),
      a('CKA_UNWRAP', false),
    ]);
  });
}

/** A wrapper over the token key; nothing secret is held between calls except the PIN. */
export function pkcs11Wrapper(o: Pkcs11Options): KeyWrapper {
  const params: Pkcs11Params = { kind: 'pkcs11', module: o.module, tokenLabel: o.tokenLabel, keyLabel: o.keyLabel ?? DEFAULT_PKCS11_KEY_LABEL };
  const gcm = (pk: Pkcs11Module, iv: Buffer, aad: Uint8Array): Mechanism => ({
    mechanism: pk['CKM_AES_GCM']!,
    parameter: { type: pk['CK_PARAMS_AES_GCM']!, iv, aad: Buffer.from(aad), ivBits: IV_BYTES * 8, tagBits: 128 },
  });
  return {
    params,
    wrap: (key, aad) =>
      withSession(o, (p, pk, session) => {
        const iv = randomBytes(IV_BYTES);
        p.C_EncryptInit(session, gcm(pk, iv, aad), theKey(p, pk, session, params.keyLabel));
        return concatBytes(iv, p.C_Encrypt(session, Buffer.from(key), Buffer.alloc(key.byteLength + 16)));
      }),
    unwrap: (wrapped, aad) =>
      withSession(o, (p, pk, session) => {
        if (wrapped.byteLength <= IV_BYTES + 16) return undefined;
        const key = theKey(p, pk, session, params.keyLabel);
        const iv = Buffer.from(wrapped.subarray(0, IV_BYTES));
        p.C_DecryptInit(session, gcm(pk, iv, aad), key);
        const out = Buffer.alloc(wrapped.byteLength);
        try {
          return new Uint8Array(p.C_Decrypt(session, Buffer.from(wrapped.subarray(IV_BYTES)), out));
        } catch {
          return undefined; // the token's tag check failed: wrong key or altered data
        } finally {
          out.fill(0);
        }
      }),
  };
}
