// Known-answer tests: RFC 8032 section 7.1 (Ed25519) and RFC 8785 section 3.2.3
// (JCS), from ../shared/vectors; property tests for round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  canonicalJson,
  canonicalBytes,
  constantTimeEqual,
  fromBase64Url,
  fromHex,
  generateSigningKey,
  keyIdFromPublicKey,
  publicKeyFromKeyId,
  signBytes,
  signCanonical,
  signingKeyFromPem,
  signingKeyFromSeed,
  signingKeyToPem,
  toBase64Url,
  toHex,
  verifyBytes,
  verifyCanonical,
  sha256Hex,
  utf8,
} from './index.js';

const vectorsDir = new URL('../../../test/vectors/', import.meta.url);
function loadVector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8')) as T;
}

interface Ed25519Vector { secretKey: string; publicKey: string; message: string; signature: string }

test('RFC 8032 7.1 Ed25519 vectors reproduce and verify', () => {
  const { vectors } = loadVector<{ vectors: Ed25519Vector[] }>('rfc8032-ed25519.json');
  assert.equal(vectors.length, 2);
  for (const v of vectors) {
    const key = signingKeyFromSeed(fromHex(v.secretKey)!);
    assert.equal(toHex(key.publicKey), v.publicKey);
    const msg = fromHex(v.message)!;
    const sig = signBytes(key, msg);
    assert.equal(toHex(sig), v.signature);
    assert.equal(verifyBytes(key.keyId, msg, sig), true);
    const bad = new Uint8Array(sig);
    bad[0] = bad[0]! ^ 1;
    assert.equal(verifyBytes(key.keyId, msg, bad), false);
  }
});

test('RFC 8785 3.2.3 canonical form', () => {
  const v = loadVector<{ input: string; canonicalHex: string }>('rfc8785-jcs.json');
  assert.equal(toHex(canonicalBytes(JSON.parse(v.input))), v.canonicalHex);
});

test('canonicalJson sorts keys by UTF-16 code units and refuses non-JSON', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null], '\u20ac': 'x', '\r': 2 }), '{"\\r":2,"a":[true,null],"b":1,"€":"x"}');
  assert.throws(() => canonicalJson(undefined), TypeError);
});

test('key ids round trip and malformed ids are rejected', () => {
  const k = generateSigningKey();
  assert.match(k.keyId, /^ed25519:[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(publicKeyFromKeyId(k.keyId), k.publicKey);
  assert.equal(keyIdFromPublicKey(k.publicKey), k.keyId);
  assert.equal(publicKeyFromKeyId('ed25519:abc'), undefined);
  assert.equal(publicKeyFromKeyId('rsa:' + k.keyId.slice(8)), undefined);
  assert.equal(verifyBytes('ed25519:short', utf8('m'), new Uint8Array(64)), false);
  assert.equal(verifyBytes(k.keyId, utf8('m'), new Uint8Array(63)), false);
});

test('PEM (PKCS#8) round trip keeps the key id', () => {
  const k = generateSigningKey();
  const pem = signingKeyToPem(k);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(signingKeyFromPem(pem).keyId, k.keyId);
});

test('domain separation: a signature under one domain fails under another', () => {
  const k = generateSigningKey();
  const value = { a: 1 };
  const sig = signCanonical(k, 'careledger.tx/1\n', value);
  assert.equal(verifyCanonical(k.keyId, 'careledger.tx/1\n', value, sig), true);
  assert.equal(verifyCanonical(k.keyId, 'careledger.other/1\n', value, sig), false);
  assert.equal(verifyCanonical(k.keyId, 'careledger.tx/1\n', { a: 2 }, sig), false);
});

test('property: sign/verify round trip; any flipped bit fails', () => {
  const k = generateSigningKey();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(), (msg, bit) => {
      const sig = signBytes(k, msg);
      assert.equal(verifyBytes(k.keyId, msg, sig), true);
      const flipped = new Uint8Array(sig);
      const i = bit % (64 * 8);
      flipped[i >> 3] = flipped[i >> 3]! ^ (1 << (i & 7));
      assert.equal(verifyBytes(k.keyId, msg, flipped), false);
    }),
    { numRuns: 200 },
  );
});

test('property: base64url round trip and strictness', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const s = toBase64Url(b);
      assert.doesNotMatch(s, /[=+/]/);
      assert.deepEqual(fromBase64Url(s), b);
    }),
  );
  assert.equal(fromBase64Url('AB=='), undefined);
  assert.equal(fromBase64Url('A'), undefined);
  assert.equal(fromBase64Url('AB'), undefined); // non-canonical: low bits set
  assert.deepEqual(fromBase64Url('AA'), new Uint8Array([0]));
});

test('constantTimeEqual and sha256', () => {
  assert.equal(constantTimeEqual(utf8('abc'), utf8('abc')), true);
  assert.equal(constantTimeEqual(utf8('abc'), utf8('abd')), false);
  assert.equal(constantTimeEqual(utf8('abc'), utf8('ab')), false);
  assert.equal(sha256Hex(utf8('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
