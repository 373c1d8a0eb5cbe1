// KEK loading and file creation (0600, never overwritten), wrapping bound to
// patient and key version, and a KEK that never prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../crypto/index.js';
import { Kek, createKekFile, loadKek } from './index.js';

function tmp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-kek-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

void test('createKekFile writes 32 bytes of base64url with mode 0600 and loadKek reads the same key', () => {
  const { dir, done } = tmp();
  try {
    const path = join(dir, 'kek');
    const created = createKekFile(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(fromBase64Url(readFileSync(path, 'utf8').trim())?.byteLength, 32);
    const loaded = loadKek({ file: path });
    const { iv, sealed } = created.wrapDek(new Uint8Array(32).fill(7), 'p1', 1);
    assert.deepEqual(loaded.unwrapDek(iv, sealed, 'p1', 1), new Uint8Array(32).fill(7));
    assert.equal(codeOf(() => createKekFile(path)), 'ALREADY_EXISTS');
  } finally {
    done();
  }
});

void test('loadKek refuses a key file readable by others, and bad or missing sources', () => {
  const { dir, done } = tmp();
  try {
    const path = join(dir, 'kek');
    writeFileSync(path, toBase64Url(randomBytes(32)));
    chmodSync(path, 0o644);
    if (process.platform !== 'win32') assert.equal(codeOf(() => loadKek({ file: path })), 'FORBIDDEN');
    assert.equal(codeOf(() => loadKek({ file: join(dir, 'absent') })), 'NOT_FOUND');
    assert.equal(codeOf(() => loadKek({})), 'NOT_FOUND');
    assert.equal(codeOf(() => loadKek({ env: toBase64Url(randomBytes(16)) })), 'MALFORMED');
    assert.equal(codeOf(() => loadKek({ env: 'not base64url!' })), 'MALFORMED');
  } finally {
    done();
  }
});

void test('the environment value wins over the file and errors never echo it', () => {
  const text = toBase64Url(randomBytes(32));
  const kek = loadKek({ env: `${text}\n`, file: '/nonexistent/kek' });
  const { iv, sealed } = kek.wrapDek(new Uint8Array(32), 'p', 1);
  assert.ok(loadKek({ env: text }).unwrapDek(iv, sealed, 'p', 1));
  const bad = `${text}AA`;
  try {
    loadKek({ env: bad });
    assert.fail('expected MALFORMED');
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'MALFORMED');
    assert.ok(!String((e as Error).message).includes(text));
  }
});

void test('a KEK never prints its bytes', () => {
  const raw = new Uint8Array(randomBytes(32));
  const encoded = toBase64Url(raw);
  const kek = Kek.fromBytes(raw);
  for (const shown of [inspect(kek), JSON.stringify({ kek }), String(kek), inspect(kek, { showHidden: true })]) {
    assert.ok(!shown.includes(encoded), shown);
    assert.ok(!shown.includes(Buffer.from(raw).toString('hex')), shown);
  }
});

void test('a wrapped DEK opens only under the same KEK, patient and key version', () => {
  const kek = Kek.generate();
  const dek = new Uint8Array(randomBytes(32));
  const { iv, sealed } = kek.wrapDek(dek, 'alice', 1);
  assert.deepEqual(kek.unwrapDek(iv, sealed, 'alice', 1), dek);
  assert.equal(kek.unwrapDek(iv, sealed, 'bob', 1), undefined);
  assert.equal(kek.unwrapDek(iv, sealed, 'alice', 2), undefined);
  assert.equal(Kek.generate().unwrapDek(iv, sealed, 'alice', 1), undefined);
  const flipped = new Uint8Array(sealed);
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  assert.equal(kek.unwrapDek(iv, flipped, 'alice', 1), undefined);
  assert.ok(kek.matchesCheckValue(kek.checkValue()));
  assert.ok(!Kek.generate().matchesCheckValue(kek.checkValue()));
});
