// HKDF-SHA256 known answers: RFC 5869 Appendix A test cases 1-3
// (test/vectors/rfc5869-hkdf-sha256.json), extract, expand and the one-shot;
// a property test against node:crypto's hkdfSync; the length bounds.
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes.js';
import { HKDF_SHA256_MAX_BYTES, hkdfExpand, hkdfExtract, hkdfSha256 } from './hkdf.js';

interface HkdfVector { name: string; ikm: string; salt: string; info: string; length: number; prk: string; okm: string }

const file = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc5869-hkdf-sha256.json', import.meta.url), 'utf8')) as { vectors: HkdfVector[] };
const hex = (text: string): Uint8Array => fromHex(text) ?? assert.fail(`bad hex in vector: ${text.slice(0, 16)}`);

void test('RFC 5869 A.1-A.3: extract gives the PRK, expand and the one-shot give the OKM', () => {
  assert.deepEqual(file.vectors.map((v) => v.name), ['A.1', 'A.2', 'A.3']);
  for (const v of file.vectors) {
    const prk = hkdfExtract(hex(v.salt), hex(v.ikm));
    assert.equal(toHex(prk), v.prk, `${v.name} PRK`);
    assert.equal(toHex(hkdfExpand(prk, hex(v.info), v.length)), v.okm, `${v.name} OKM (expand)`);
    assert.equal(toHex(hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.length)), v.okm, `${v.name} OKM (one-shot)`);
    // The vector file itself is checked against an independent implementation.
    assert.equal(toHex(new Uint8Array(hkdfSync('sha256', hex(v.ikm), hex(v.salt), hex(v.info), v.length))), v.okm, `${v.name} OKM (node:crypto)`);
  }
});

void test('property: hkdfSha256 equals node:crypto hkdfSync (the key files derived their subkeys with it)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 80 }),
      fc.uint8Array({ maxLength: 80 }),
      fc.uint8Array({ maxLength: 80 }),
      fc.integer({ min: 1, max: 200 }),
      (ikm, salt, info, length) => {
        assert.deepEqual(hkdfSha256(ikm, salt, info, length), new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)));
      },
    ),
    { numRuns: 200 },
  );
});

void test('expand refuses a length above 255 * 32 or not a natural number', () => {
  const prk = new Uint8Array(32);
  assert.equal(hkdfExpand(prk, new Uint8Array(0), HKDF_SHA256_MAX_BYTES).byteLength, 8160);
  assert.equal(hkdfExpand(prk, new Uint8Array(0), 0).byteLength, 0);
  for (const bad of [HKDF_SHA256_MAX_BYTES + 1, -1, 1.5]) assert.throws(() => hkdfExpand(prk, new Uint8Array(0), bad), RangeError);
});
