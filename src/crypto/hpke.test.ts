// The synchronous HPKE (RFC 9180 base mode) against @hpke/core, both ways,
// and its refusals: wrong key, altered enc, ct, info or aad.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import fc from 'fast-check';
import { utf8 } from './bytes.js';
import { HpkeError, hpkeOpen, hpkeSeal, x25519PublicBytes } from './hpke.js';
import { generateX25519PrivateKey } from './x25519.js';

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const info = utf8('careledger.test/1');
const aad = utf8('aad');

void test('hpkeSeal opens with @hpke/core and @hpke/core seals what hpkeOpen opens', async () => {
  const sk = generateX25519PrivateKey();
  const pk = x25519PublicBytes(sk);
  const d = Buffer.from(String(sk.export({ format: 'jwk' }).d), 'base64url');
  const recipientKey = await suite.kem.deserializePrivateKey(new Uint8Array(d));
  const mine = hpkeSeal(pk, info, aad, utf8('hello consent'));
  const opened = await suite.open({ recipientKey, enc: mine.enc, info }, mine.ct, aad);
  assert.equal(Buffer.from(opened).toString(), 'hello consent');
  const theirs = await suite.seal({ recipientPublicKey: await suite.kem.deserializePublicKey(pk), info }, utf8('and back'), aad);
  const back = hpkeOpen(sk, { enc: new Uint8Array(theirs.enc), ct: new Uint8Array(theirs.ct) }, info, aad);
  assert.equal(Buffer.from(back).toString(), 'and back');
});

void test('hpkeOpen refuses a wrong key and any altered part with HpkeError', () => {
  const sk = generateX25519PrivateKey();
  const sealed = hpkeSeal(x25519PublicBytes(sk), info, aad, utf8('x'.repeat(40)));
  const flip = (b: Uint8Array, i: number): Uint8Array => { const c = b.slice(); c[i] = c[i]! ^ 1; return c; };
  const isHpke = (e: unknown): boolean => e instanceof HpkeError;
  assert.throws(() => hpkeOpen(generateX25519PrivateKey(), sealed, info, aad), isHpke);
  assert.throws(() => hpkeOpen(sk, { ...sealed, ct: flip(sealed.ct, 3) }, info, aad), isHpke);
  assert.throws(() => hpkeOpen(sk, { ...sealed, enc: flip(sealed.enc, 0) }, info, aad), isHpke);
  assert.throws(() => hpkeOpen(sk, { ...sealed, enc: sealed.enc.subarray(1) }, info, aad), isHpke);
  assert.throws(() => hpkeOpen(sk, { ...sealed, ct: sealed.ct.subarray(0, 8) }, info, aad), isHpke);
  assert.throws(() => hpkeOpen(sk, sealed, utf8('other'), aad), isHpke);
  assert.throws(() => hpkeOpen(sk, sealed, info, utf8('other')), isHpke);
  assert.throws(() => hpkeSeal(new Uint8Array(31), info, aad, utf8('x')), isHpke);
  assert.equal(Buffer.from(hpkeOpen(sk, sealed, info, aad)).toString(), 'x'.repeat(40));
});

void test('property: seal then open is the identity', () => {
  const sk = generateX25519PrivateKey();
  const pk = x25519PublicBytes(sk);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (pt, ad) => {
      assert.deepEqual(hpkeOpen(sk, hpkeSeal(pk, info, ad, pt), info, ad), pt);
    }),
    { numRuns: 200 },
  );
});
