// Vault round trips (fast-check), versions and listings, and tamper evidence:
// a changed byte, IV or row moved to another record or patient must not decrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { utf8 } from '../crypto/index.js';
import { Kek, Vault, verifyCommitment } from './index.js';
import { openTestDb } from '../../test/helpers/vault.js';

const NOW = () => new Date('2026-01-02T03:04:05.678Z');

function memoryVault(kek = Kek.generate()): Vault {
  const db = new Database(':memory:');
  return new Vault(db, kek, { now: NOW });
}

function expectCode(fn: () => unknown, code: string, secret?: string): void {
  try {
    fn();
  } catch (e) {
    assert.equal((e as { code?: string }).code, code);
    if (secret !== undefined) {
      assert.ok(!String((e as Error).message).includes(secret));
      assert.ok(!String((e as Error).stack).includes(secret));
    }
    return;
  }
  assert.fail(`expected ${code}`);
}

void test('put then get returns the same bytes, a salt and a verifiable commitment', () => {
  const vault = memoryVault();
  let n = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 8192 }), fc.constantFrom('p1', 'p2', 'p3'), (plaintext, pseudonym) => {
      const recordId = `r${++n}`;
      const { commitment } = vault.put({ pseudonym, resourceType: 'Observation', recordId, version: 1, plaintext });
      const got = vault.get(recordId);
      assert.deepEqual(got.plaintext, plaintext);
      assert.equal(got.salt.byteLength, 32);
      assert.equal(got.commitment, commitment);
      assert.ok(verifyCommitment(got.salt, got.plaintext, commitment));
    }),
    { numRuns: 150 },
  );
});

void test('versions, listings and metadata', () => {
  const vault = memoryVault();
  const put = (pseudonym: string, resourceType: string, recordId: string, version: number, text: string) =>
    vault.put({ pseudonym, resourceType, recordId, version, plaintext: utf8(text) });
  put('alice', 'Observation', 'o1', 1, 'one');
  put('alice', 'Observation', 'o1', 2, 'two');
  put('alice', 'Condition', 'c1', 1, 'cond');
  put('bob', 'Observation', 'o2', 1, 'bob');
  assert.equal(Buffer.from(vault.get('o1').plaintext).toString(), 'two');
  assert.equal(Buffer.from(vault.get('o1', 1).plaintext).toString(), 'one');
  assert.deepEqual(
    vault.listVersions('o1').map((m) => m.version),
    [1, 2],
  );
  assert.deepEqual(vault.listVersions('o1')[0], {
    pseudonym: 'alice',
    resourceType: 'Observation',
    recordId: 'o1',
    version: 1,
    lastUpdated: '2026-01-02T03:04:05.678Z',
  });
  assert.deepEqual(
    vault.listByPatient('alice').map((m) => `${m.resourceType}/${m.recordId}/${m.version}`),
    ['Condition/c1/1', 'Observation/o1/1', 'Observation/o1/2'],
  );
  assert.deepEqual(
    vault.listByPatient('alice', { resourceType: 'Condition' }).map((m) => m.recordId),
    ['c1'],
  );
  assert.deepEqual(vault.listByPatient('nobody'), []);
  assert.equal(vault.has('o1'), true);
  assert.equal(vault.has('zz'), false);
  expectCode(() => vault.get('zz'), 'NOT_FOUND');
  expectCode(() => vault.get('o1', 3), 'NOT_FOUND');
  expectCode(() => vault.listVersions('zz'), 'NOT_FOUND');
  expectCode(() => put('alice', 'Observation', 'o1', 2, 'again'), 'ALREADY_EXISTS');
  expectCode(() => put('bob', 'Observation', 'o1', 3, 'steal'), 'CONFLICT');
  expectCode(() => put('alice', 'Condition', 'o1', 3, 'retype'), 'CONFLICT');
  expectCode(() => put('alice', 'observation', 'x', 1, ''), 'MALFORMED');
  expectCode(() => put('ali ce', 'Observation', 'x', 1, ''), 'MALFORMED');
  expectCode(() => put('alice', 'Observation', 'x', 0, ''), 'MALFORMED');
  expectCode(() => vault.put({ pseudonym: 'a', resourceType: 'Patient', recordId: 'x', version: 1, plaintext: utf8(''), lastUpdated: 'yesterday' }), 'MALFORMED');
});

void test('an imported salt reproduces the sender commitment', () => {
  const sender = memoryVault();
  const receiver = memoryVault();
  const plaintext = utf8('{"resourceType":"Patient"}');
  const { commitment } = sender.put({ pseudonym: 'p', resourceType: 'Patient', recordId: 'x', version: 1, plaintext });
  const { salt } = sender.get('x');
  const imported = receiver.put({ pseudonym: 'p', resourceType: 'Patient', recordId: 'x', version: 1, plaintext, salt });
  assert.equal(imported.commitment, commitment);
  expectCode(() => receiver.put({ pseudonym: 'p', resourceType: 'Patient', recordId: 'y', version: 1, plaintext, salt: salt.subarray(1) }), 'MALFORMED');
});

void test('tampering with ciphertext, IV or row placement makes get fail with INTERNAL', () => {
  const t = openTestDb();
  try {
    const kek = Kek.generate();
    const vault = new Vault(t.db, kek, { now: NOW });
    const marker = 'TAMPER-MARKER-4242';
    for (const [p, id] of [['alice', 'a1'], ['alice', 'a2'], ['bob', 'b1']] as const) {
      vault.put({ pseudonym: p, resourceType: 'Observation', recordId: id, version: 1, plaintext: utf8(`${marker} ${id}`) });
    }
    const raw = (id: string) =>
      t.db.prepare<[string], { iv: Buffer; ciphertext: Buffer }>('SELECT iv, ciphertext FROM vault_records WHERE record_id = ?').get(id)!;
    const set = (id: string, col: 'iv' | 'ciphertext', value: Buffer) =>
      t.db.prepare(`UPDATE vault_records SET ${col} = ? WHERE record_id = ?`).run(value, id);
    const flip = (b: Buffer, at: number) => {
      const c = Buffer.from(b);
      c[at] = (c[at] ?? 0) ^ 1;
      return c;
    };
    const original = raw('a1');
    for (const at of [0, 5, original.ciphertext.length - 1]) {
      set('a1', 'ciphertext', flip(original.ciphertext, at));
      expectCode(() => vault.get('a1'), 'INTERNAL', marker);
    }
    set('a1', 'ciphertext', original.ciphertext);
    set('a1', 'iv', flip(original.iv, 3));
    expectCode(() => vault.get('a1'), 'INTERNAL', marker);
    set('a1', 'iv', original.iv);
    assert.ok(vault.get('a1'));
    // Same patient, another record id: the AAD binds the record id.
    set('a2', 'ciphertext', original.ciphertext);
    set('a2', 'iv', original.iv);
    expectCode(() => vault.get('a2'), 'INTERNAL', marker);
    // Another patient: DEK and AAD both differ.
    t.db.prepare(`UPDATE vault_records SET pseudonym = 'bob' WHERE record_id = 'a1'`).run();
    expectCode(() => vault.get('a1'), 'INTERNAL', marker);
    t.db.prepare(`UPDATE vault_records SET pseudonym = 'alice' WHERE record_id = 'a1'`).run();
    // A version number changed in place.
    t.db.prepare(`UPDATE vault_records SET version = 7 WHERE record_id = 'a1'`).run();
    expectCode(() => vault.get('a1'), 'INTERNAL', marker);
    // Alice's wrapped DEK copied over Bob's, read by a fresh instance (cold cache).
    t.db.prepare(`UPDATE vault_keys SET (iv, wrapped) = (SELECT iv, wrapped FROM vault_keys WHERE pseudonym = 'alice') WHERE pseudonym = 'bob'`).run();
    const cold = new Vault(t.db, kek);
    assert.throws(() => cold.get('b1'), { code: 'INTERNAL', field: 'dek' });
  } finally {
    t.close();
  }
});

void test('a wrong KEK is refused at start-up, and cannot read even without the check value', () => {
  const t = openTestDb();
  try {
    const vault = new Vault(t.db, Kek.generate());
    vault.put({ pseudonym: 'p', resourceType: 'Observation', recordId: 'r', version: 1, plaintext: utf8('secret') });
    assert.throws(() => new Vault(t.db, Kek.generate()), { code: 'INTERNAL', field: 'kek' });
    t.db.prepare(`DELETE FROM vault_meta WHERE name = 'kek_check'`).run();
    const wrong = new Vault(t.db, Kek.generate());
    assert.throws(() => wrong.get('r'), { code: 'INTERNAL', field: 'dek' });
    expectCode(() => wrong.put({ pseudonym: 'p', resourceType: 'Observation', recordId: 'r', version: 2, plaintext: utf8('x') }), 'INTERNAL');
  } finally {
    t.close();
  }
});

void test('a second instance on the same file with the same KEK reads everything (cold DEK cache)', () => {
  const t = openTestDb();
  try {
    const kek = Kek.generate();
    new Vault(t.db, kek, { dekCacheSize: 1 }).put({ pseudonym: 'p', resourceType: 'Observation', recordId: 'r', version: 1, plaintext: utf8('hello') });
    assert.equal(Buffer.from(new Vault(t.db, kek).get('r').plaintext).toString(), 'hello');
  } finally {
    t.close();
  }
});
