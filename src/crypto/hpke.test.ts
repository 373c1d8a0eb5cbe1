// The synchronous HPKE (RFC 9180 base mode): the known answers of RFC 9180's
// vectors for its suite (test/vectors/rfc9180-hpke.json: DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, AES-256-GCM, base mode, sequence 0, and the KEM
// of Appendix A.1.1), against @hpke/core both ways, and its refusals: wrong
// key, altered enc, ct, info or aad.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from './bytes.js';
import { HpkeError, hpkeBaseKeySchedule, hpkeEncapWithEphemeral, hpkeOpen, hpkeSeal, hpkeSealWithEphemeral, x25519PublicBytes } from './hpke.js';
import { generateX25519PrivateKey, x25519PrivateKeyFromBytes } from './x25519.js';

interface KemVector { skEm: string; pkEm: string; skRm: string; pkRm: string; enc: string; shared_secret: string }
interface SuiteVector extends KemVector {
  info: string;
  key_schedule_context: string;
  secret: string;
  key: string;
  base_nonce: string;
  encryptions: Array<{ aad: string; ct: string; nonce: string; pt: string }>;
}
const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9180-hpke.json', import.meta.url), 'utf8')) as { suite: SuiteVector; kemA1: KemVector };
const hex = (text: string): Uint8Array => fromHex(text) ?? assert.fail('bad hex in vector');

function checkKem(v: KemVector): void {
  const skE = x25519PrivateKeyFromBytes(hex(v.skEm));
  const skR = x25519PrivateKeyFromBytes(hex(v.skRm));
  assert.equal(toHex(x25519PublicBytes(skE)), v.pkEm, 'pkEm');
  assert.equal(toHex(x25519PublicBytes(skR)), v.pkRm, 'pkRm');
  const { enc, sharedSecret } = hpkeEncapWithEphemeral(skE, hex(v.pkRm));
  assert.equal(toHex(enc), v.enc, 'enc');
  assert.equal(toHex(sharedSecret), v.shared_secret, 'shared_secret');
}

void test('RFC 9180 A.1.1 KEM: DHKEM(X25519, HKDF-SHA256) gives the printed enc and shared_secret', () => {
  checkKem(vectors.kemA1);
});

void test('RFC 9180 vectors, X25519/HKDF-SHA256/AES-256-GCM base mode: key schedule, seq-0 ciphertext, and opening', () => {
  const v = vectors.suite;
  checkKem(v);
  const schedule = hpkeBaseKeySchedule(hex(v.shared_secret), hex(v.info));
  assert.equal(toHex(schedule.keyScheduleContext), v.key_schedule_context, 'key_schedule_context');
  assert.equal(toHex(schedule.secret), v.secret, 'secret');
  assert.equal(toHex(schedule.key), v.key, 'key');
  assert.equal(toHex(schedule.baseNonce), v.base_nonce, 'base_nonce');
  const e = v.encryptions[0]!;
  assert.equal(e.nonce, v.base_nonce);
  const sealed = hpkeSealWithEphemeral(x25519PrivateKeyFromBytes(hex(v.skEm)), hex(v.pkRm), hex(v.info), hex(e.aad), hex(e.pt));
  assert.equal(toHex(sealed.enc), v.enc, 'enc');
  assert.equal(toHex(sealed.ct), e.ct, 'ct of sequence 0');
  const opened = hpkeOpen(x25519PrivateKeyFromBytes(hex(v.skRm)), { enc: hex(v.enc), ct: hex(e.ct) }, hex(v.info), hex(e.aad));
  assert.equal(toHex(opened), e.pt, 'pt');
});

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
