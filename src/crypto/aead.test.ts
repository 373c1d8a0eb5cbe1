// AES-256-GCM framings (split, blob, with a nonce) over one implementation: a
// known answer (the seq-0 encryption of the RFC 9180 AES-256-GCM vector is a
// plain AES-256-GCM encryption under its key and base_nonce), the framings
// agree byte for byte, round trips, and every alteration opens to undefined.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex, utf8 } from './bytes.js';
import { AES_GCM_IV_BYTES, openAesGcm, openAesGcmBlob, sealAesGcm, sealAesGcmBlob, sealAesGcmWithNonce } from './aead.js';

interface Encryption { aad: string; ct: string; nonce: string; pt: string }
const { suite } = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9180-hpke.json', import.meta.url), 'utf8')) as {
  suite: { key: string; encryptions: Encryption[] };
};
const hex = (text: string): Uint8Array => fromHex(text) ?? assert.fail('bad hex in vector');

void test('known answer: AES-256-GCM of the RFC 9180 vector (key, base_nonce, seq 0) in every framing', () => {
  const key = hex(suite.key);
  const e = suite.encryptions[0]!;
  const [nonce, aad, pt] = [hex(e.nonce), hex(e.aad), hex(e.pt)];
  assert.equal(toHex(sealAesGcmWithNonce(key, nonce, pt, aad)), e.ct);
  assert.equal(toHex(sealAesGcmBlob(key, pt, aad, nonce)), e.nonce + e.ct);
  assert.equal(toHex(openAesGcm(key, nonce, hex(e.ct), aad) ?? new Uint8Array(0)), e.pt);
  assert.equal(toHex(openAesGcmBlob(key, hex(e.nonce + e.ct), aad) ?? new Uint8Array(0)), e.pt);
});

void test('split and blob framings carry the same bytes; fresh IVs differ', () => {
  const key = new Uint8Array(randomBytes(32));
  const aad = utf8('careledger.test/1');
  const split = sealAesGcm(key, utf8('same'), aad);
  assert.equal(split.iv.byteLength, AES_GCM_IV_BYTES);
  assert.deepEqual(sealAesGcmBlob(key, utf8('same'), aad, split.iv), Buffer.from(concatBytes(split.iv, split.sealed)));
  assert.notDeepEqual(sealAesGcm(key, utf8('same'), aad).iv, split.iv);
  assert.deepEqual(openAesGcmBlob(key, concatBytes(split.iv, split.sealed), aad), Buffer.from('same'));
  assert.throws(() => sealAesGcmBlob(key, utf8('x'), aad, new Uint8Array(8)), RangeError);
});

void test('property: round trips, and a flipped bit, another AAD or key, or a short input opens to undefined', () => {
  const key = new Uint8Array(randomBytes(32));
  const other = new Uint8Array(randomBytes(32));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), fc.nat(), (pt, aad, at) => {
      const { iv, sealed } = sealAesGcm(key, pt, aad);
      assert.deepEqual(openAesGcm(key, iv, sealed, aad), pt);
      const blob = sealAesGcmBlob(key, pt, aad);
      assert.deepEqual(openAesGcmBlob(key, blob, aad), Buffer.from(pt));
      const flipped = Buffer.from(blob);
      const i = at % flipped.byteLength;
      flipped[i] = flipped[i]! ^ 1;
      assert.equal(openAesGcmBlob(key, flipped, aad), undefined);
      assert.equal(openAesGcmBlob(key, blob, concatBytes(aad, new Uint8Array([0]))), undefined);
      assert.equal(openAesGcmBlob(other, blob, aad), undefined);
      assert.equal(openAesGcmBlob(key, blob.subarray(0, 27), aad), undefined);
      assert.equal(openAesGcm(key, iv.subarray(1), sealed, aad), undefined);
      assert.equal(openAesGcm(key, iv, sealed.subarray(0, 15), aad), undefined);
    }),
    { numRuns: 200 },
  );
});
