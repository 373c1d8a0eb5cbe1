// The sealed keyring format: round trips under the passphrase and key-file
// providers, a wrong passphrase and every altered byte refused with exact
// codes, hostile headers refused before any work, no secret in the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../crypto/index.js';
import { createKeyFileWrapper, createKeyring, keyFileWrapper, newPassphraseWrapper, openKeyring, parseKeyring, passphraseWrapper, type KeyringFile, type NodeSecrets } from './index.js';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';

function errorOf(fn: () => unknown): { code?: string; field?: string; message: string } | undefined {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; field?: string; message: string };
  }
  return undefined;
}

function withDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-keyring-'));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The raw secrets a keyring must never show: Ed25519 seed, X25519 secret (PKCS#8 tails). */
function rawSecrets(s: NodeSecrets): Buffer[] {
  const tail = (der: Buffer) => der.subarray(der.byteLength - 32);
  return [
    tail(s.nodeKey.privateKey.export({ format: 'der', type: 'pkcs8' })),
    tail(s.hpkePrivateKey.export({ format: 'der', type: 'pkcs8' })),
  ];
}

function sameSecrets(a: NodeSecrets, b: NodeSecrets): void {
  assert.equal(a.nodeKey.keyId, b.nodeKey.keyId);
  assert.deepEqual(a.hpkePublicKey, b.hpkePublicKey);
  assert.deepEqual(rawSecrets(a), rawSecrets(b));
  const { iv, sealed } = a.kek.wrapDek(new Uint8Array(32).fill(9), 'p', 1);
  assert.deepEqual(b.kek.unwrapDek(iv, sealed, 'p', 1), new Uint8Array(32).fill(9));
}

void test('a passphrase keyring round-trips; a wrong passphrase is UNAUTHENTICATED', () => {
  const { text, secrets } = createKeyring(newPassphraseWrapper(PASSPHRASE, FAST));
  const file = parseKeyring(text);
  assert.equal(file.format, 'careledger.keyring/1');
  assert.equal(file.provider.kind, 'passphrase');
  assert.equal(file.nodeKeyId, secrets.nodeKey.keyId);
  const params = file.provider;
  if (params.kind !== 'passphrase') throw new Error('unreachable');
  sameSecrets(secrets, openKeyring(file, passphraseWrapper(params, PASSPHRASE)));
  // The same words in another Unicode normal form still unlock (NFC).
  const accented = 'caf\u00e9 au lait, deux sucres';
  const second = createKeyring(newPassphraseWrapper(accented, FAST));
  const f2 = parseKeyring(second.text);
  if (f2.provider.kind !== 'passphrase') throw new Error('unreachable');
  sameSecrets(second.secrets, openKeyring(f2, passphraseWrapper(f2.provider, 'cafe\u0301 au lait, deux sucres')));

  const wrong = errorOf(() => openKeyring(file, passphraseWrapper(params, `${PASSPHRASE}!`)));
  assert.equal(wrong?.code, 'UNAUTHENTICATED');
  assert.equal(wrong?.field, 'keyring');
  assert.ok(!wrong?.message.includes(PASSPHRASE));
});

void test('a short passphrase is refused at init (MALFORMED passphrase)', () => {
  const e = errorOf(() => newPassphraseWrapper('short'));
  assert.equal(e?.code, 'MALFORMED');
  assert.equal(e?.field, 'passphrase');
});

void test('the keyring file holds no secret: not the seed, the X25519 secret or the KEK, in any encoding', () => {
  const { text, secrets } = createKeyring(newPassphraseWrapper(PASSPHRASE, FAST));
  assert.ok(!text.includes('PRIVATE KEY'));
  const bytes = Buffer.from(text, 'utf8');
  for (const raw of rawSecrets(secrets)) {
    for (const form of [raw, Buffer.from(raw.toString('hex')), Buffer.from(raw.toString('base64url').slice(4, -4)), Buffer.from(raw.toString('base64').slice(4, -4))]) {
      assert.equal(bytes.includes(form), false);
    }
  }
});

void test('every altered byte of the wrapped key or the sealed body: UNAUTHENTICATED keyring (1,000 cases)', () => {
  withDir((dir) => {
    const keyFile = join(dir, 'wrap.key');
    const wrapper = createKeyFileWrapper(keyFile);
    const { text, secrets } = createKeyring(wrapper);
    const file = parseKeyring(text);
    sameSecrets(secrets, openKeyring(file, keyFileWrapper(keyFile)));
    const wrapped = fromBase64Url(file.wrappedKey)!;
    const sealed = fromBase64Url(file.sealed)!;
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (inWrapped, at, xor) => {
        const target = new Uint8Array(inWrapped ? wrapped : sealed);
        const i = at % target.byteLength;
        target[i] = target[i]! ^ xor;
        const altered: KeyringFile = inWrapped ? { ...file, wrappedKey: toBase64Url(target) } : { ...file, sealed: toBase64Url(target) };
        const e = errorOf(() => openKeyring(altered, wrapper));
        return e?.code === 'UNAUTHENTICATED' && e.field === 'keyring';
      }),
      { numRuns: 1000 },
    );
  });
});

void test('an altered header is refused: bound fields UNAUTHENTICATED, out-of-range fields MALFORMED', () => {
  const { text } = createKeyring(newPassphraseWrapper(PASSPHRASE, FAST));
  const file = parseKeyring(text);
  if (file.provider.kind !== 'passphrase') throw new Error('unreachable');
  const open = (f: KeyringFile) => errorOf(() => openKeyring(f, passphraseWrapper(f.provider as typeof file.provider, PASSPHRASE)))?.code;
  const other = createKeyring(newPassphraseWrapper(PASSPHRASE, FAST)).secrets;
  assert.equal(open({ ...file, nodeKeyId: other.nodeKey.keyId }), 'UNAUTHENTICATED');
  assert.equal(open({ ...file, hpkePublicKey: toBase64Url(other.hpkePublicKey) }), 'UNAUTHENTICATED');
  assert.equal(open({ ...file, provider: { ...file.provider, salt: toBase64Url(new Uint8Array(16)) } }), 'UNAUTHENTICATED');
  assert.equal(open({ ...file, provider: { ...file.provider, N: 2 ** 15 } }), 'UNAUTHENTICATED');
  // A hostile cost is refused by the schema before any scrypt work.
  const hostile = JSON.stringify({ ...file, provider: { ...file.provider, N: 2 ** 30 } });
  assert.equal(errorOf(() => parseKeyring(hostile))?.code, 'MALFORMED');
  assert.equal(errorOf(() => parseKeyring(JSON.stringify({ ...file, format: 'careledger.keyring/2' })))?.code, 'MALFORMED');
  assert.equal(errorOf(() => parseKeyring(JSON.stringify({ ...file, extra: 1 })))?.code, 'MALFORMED');
  assert.equal(errorOf(() => parseKeyring(text.slice(0, 40)))?.code, 'MALFORMED');
  assert.equal(errorOf(() => parseKeyring(text.slice(0, 40)))?.field, 'keyring');
});

void test('the key-file provider refuses a key file others can read (FORBIDDEN) and a missing one (NOT_FOUND)', () => {
  withDir((dir) => {
    const keyFile = join(dir, 'wrap.key');
    const { text } = createKeyring(createKeyFileWrapper(keyFile));
    const file = parseKeyring(text);
    assert.equal(errorOf(() => createKeyFileWrapper(keyFile))?.code, 'ALREADY_EXISTS');
    chmodSync(keyFile, 0o644);
    if (process.platform !== 'win32') assert.equal(errorOf(() => openKeyring(file, keyFileWrapper(keyFile)))?.code, 'FORBIDDEN');
    assert.equal(errorOf(() => openKeyring(file, keyFileWrapper(join(dir, 'absent'))))?.code, 'NOT_FOUND');
    // Another key file (another machine's development key) does not open it.
    const otherFile = join(dir, 'other.key');
    createKeyFileWrapper(otherFile);
    assert.equal(errorOf(() => openKeyring(file, keyFileWrapper(otherFile)))?.code, 'UNAUTHENTICATED');
  });
});
