// HPKE seal/open round trip (RFC 9180 base mode, X25519/HKDF-SHA256/AES-256-GCM)
// as property tests: random bundles open to the same bytes with the right key
// and request; a changed enc, ciphertext, aad or key never opens. And the
// wire stays what it was when @hpke/core sealed and opened: bundles cross
// between this code and @hpke/core both ways.
import assert from 'node:assert/strict';
import { createPublicKey, createSecretKey } from 'node:crypto';
import { test } from 'node:test';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import fc from 'fast-check';
import { fromBase64Url, generateX25519PrivateKey, toBase64Url, utf8 } from '../crypto/index.js';
import { isCareLedgerError } from '../errors/index.js';
import { HPKE_INFO, importHpkePrivateKey, openBundle, sealBundle, type SealedBundle } from './hpke.js';

function keyPair() {
  const privateKey = generateX25519PrivateKey();
  const x = String(privateKey.export({ format: 'jwk' }).x);
  return { privateKey, publicKey: x };
}

const flipByte = (b64: string, index: number): string => {
  const bytes = fromBase64Url(b64) as Uint8Array;
  const i = index % bytes.byteLength;
  bytes[i] = (bytes[i] as number) ^ 0x01;
  return toBase64Url(bytes);
};

async function rejects(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => isCareLedgerError(e) && e.code === 'CONFLICT' && e.field === 'sealed');
}

test('seal then open returns the bundle for random plaintexts and aads', async () => {
  const k = keyPair();
  const recipient = await importHpkePrivateKey(k.privateKey);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.uint8Array({ maxLength: 512 }), async (pt, aad) => {
      const sealed = await sealBundle(k.publicKey, pt, aad);
      assert.equal(fromBase64Url(sealed.enc)?.byteLength, 32);
      assert.deepEqual(await openBundle(recipient, sealed, aad), pt);
    }),
    { numRuns: 40 },
  );
});

test('a tampered enc, ciphertext or aad, or another key, never opens', async () => {
  const k = keyPair();
  const other = await importHpkePrivateKey(keyPair().privateKey);
  const recipient = await importHpkePrivateKey(k.privateKey);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 1024 }), fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), async (pt, aad, at) => {
      const sealed = await sealBundle(k.publicKey, pt, aad);
      const tampered: SealedBundle[] = [
        { ...sealed, enc: flipByte(sealed.enc, at) },
        { ...sealed, ciphertext: flipByte(sealed.ciphertext, at) },
      ];
      for (const t of tampered) await rejects(openBundle(recipient, t, aad));
      const aad2 = aad.slice();
      aad2[at % aad2.byteLength] = (aad2[at % aad2.byteLength] as number) ^ 0x80;
      await rejects(openBundle(recipient, sealed, aad2));
      await rejects(openBundle(other, sealed, aad));
    }),
    { numRuns: 25 },
  );
});

test('sealing refuses a recipient key that is not 32 bytes; opening refuses an undecodable bundle', async () => {
  await assert.rejects(sealBundle(toBase64Url(new Uint8Array(31)), new Uint8Array(1), new Uint8Array(0)), (e: unknown) => isCareLedgerError(e) && e.code === 'UNPROCESSABLE');
  const recipient = await importHpkePrivateKey(keyPair().privateKey);
  await rejects(openBundle(recipient, { enc: 'AAAA', ciphertext: 'AAAA' }, new Uint8Array(0)));
  await rejects(openBundle(recipient, { enc: toBase64Url(new Uint8Array(32)), ciphertext: '!!' }, new Uint8Array(0)));
});

test('bundles cross with @hpke/core both ways under the exchange info (the wire of earlier releases)', async () => {
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  const info = utf8(HPKE_INFO);
  const aad = utf8('careledger.exchange-request/1 test');
  const k = keyPair();
  const d = fromBase64Url(String(k.privateKey.export({ format: 'jwk' }).d)) as Uint8Array;
  const theirKey = await suite.kem.deserializePrivateKey(d);
  const ours = await sealBundle(k.publicKey, utf8('to the past'), aad);
  const opened = await suite.open({ recipientKey: theirKey, enc: fromBase64Url(ours.enc) as Uint8Array, info }, fromBase64Url(ours.ciphertext) as Uint8Array, aad);
  assert.equal(Buffer.from(opened).toString('utf8'), 'to the past');
  const recipientPublicKey = await suite.kem.deserializePublicKey(fromBase64Url(k.publicKey) as Uint8Array);
  const theirs = await suite.seal({ recipientPublicKey, info }, utf8('from the past'), aad);
  const bundle = { enc: toBase64Url(new Uint8Array(theirs.enc)), ciphertext: toBase64Url(new Uint8Array(theirs.ct)) };
  assert.equal(Buffer.from(await openBundle(await importHpkePrivateKey(k.privateKey), bundle, aad)).toString('utf8'), 'from the past');
});

test('importHpkePrivateKey refuses a key that is not an X25519 private key', async () => {
  await assert.rejects(importHpkePrivateKey(createPublicKey(generateX25519PrivateKey())), (e: unknown) => isCareLedgerError(e) && e.code === 'INTERNAL' && e.field === 'hpkeKey');
  await assert.rejects(importHpkePrivateKey(createSecretKey(new Uint8Array(32))), (e: unknown) => isCareLedgerError(e) && e.code === 'INTERNAL' && e.field === 'hpkeKey');
});
