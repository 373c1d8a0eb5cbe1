// Commitments (HMAC-SHA-256 over "careledger.commit/1\n" || plaintext, keyed by
// the salt) recomputed independently with node:crypto; the DEK LRU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { commitmentOf, verifyCommitment } from './index.js';
import { DekCache } from './dek-cache.js';

void test('commitmentOf matches an independent HMAC-SHA-256 computation', () => {
  const salt = new Uint8Array(32).fill(1);
  const plaintext = Buffer.from('{"resourceType":"Observation"}');
  const expected = createHmac('sha256', salt).update('careledger.commit/1\n').update(plaintext).digest('base64url');
  assert.equal(commitmentOf(salt, plaintext), expected);
});

void test('verifyCommitment accepts the commitment and rejects any change', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 512 }), (salt, plaintext) => {
      const c = commitmentOf(salt, plaintext);
      assert.equal(verifyCommitment(salt, plaintext, c), true);
      const otherSalt = new Uint8Array(salt);
      otherSalt[0] = (otherSalt[0] ?? 0) ^ 0x80;
      assert.equal(verifyCommitment(otherSalt, plaintext, c), false);
      assert.equal(verifyCommitment(salt, new Uint8Array([...plaintext, 0]), c), false);
    }),
  );
  const salt = new Uint8Array(randomBytes(32));
  const c = commitmentOf(salt, new Uint8Array([1, 2]));
  assert.equal(verifyCommitment(salt, new Uint8Array([1, 2]), `${c.slice(0, -2)}AA`), false);
  assert.equal(verifyCommitment(salt, new Uint8Array([1, 2]), 'not base64url!'), false);
  assert.equal(verifyCommitment(salt, new Uint8Array([1, 2]), c.slice(0, 20)), false);
  assert.equal(verifyCommitment(salt.subarray(0, 16), new Uint8Array([1, 2]), c), false);
  assert.throws(() => commitmentOf(salt.subarray(0, 16), new Uint8Array()), { code: 'MALFORMED' });
});

void test('DekCache evicts the least recently used key and drops a patient entirely', () => {
  const cache = new DekCache(2);
  const k = () => createSecretKey(randomBytes(32));
  cache.set('a', 1, k());
  cache.set('b', 1, k());
  assert.ok(cache.get('a', 1)); // a is now the most recent
  cache.set('c', 1, k());
  assert.equal(cache.get('b', 1), undefined);
  assert.ok(cache.get('a', 1));
  const wide = new DekCache(8);
  for (const [p, v] of [['a', 1], ['a', 2], ['ab', 1], ['c', 1]] as const) wide.set(p, v, k());
  wide.dropPatient('a');
  assert.equal(wide.get('a', 1), undefined);
  assert.equal(wide.get('a', 2), undefined);
  assert.ok(wide.get('ab', 1));
  assert.ok(wide.get('c', 1));
  assert.equal(wide.size, 2);
  assert.throws(() => new DekCache(0), RangeError);
});
