// KEK wrapping bound to patient and key version, and a KEK that never prints.
// (Where the KEK is kept: the sealed keyring, src/keys/keyring.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../crypto/index.js';
import { Kek } from './index.js';

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
