// Raw-file evidence: plaintext never reaches the SQLite files, and after
// erasePatient (GDPR Art. 17 crypto-shredding) the patient's DEK, ciphertexts
// and salts are gone from the db, -wal and -shm bytes; get answers GONE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { utf8 } from '../crypto/index.js';
import { Kek, Vault } from './index.js';
import { containsBytes, openTestDb, readDbFiles, windowsOf } from '../../test/helpers/vault.js';

void test('a plaintext marker never appears in the db, -wal or -shm files', () => {
  const t = openTestDb();
  try {
    const vault = new Vault(t.db, Kek.generate());
    const marker = `MARKER-${randomBytes(8).toString('hex')}-CareLedger`;
    const body = `{"resourceType":"Observation","note":"${marker}"}`;
    vault.put({ pseudonym: 'p1', resourceType: 'Observation', recordId: 'r1', version: 1, plaintext: utf8(body) });
    assert.equal(Buffer.from(vault.get('r1').plaintext).toString(), body);
    const check = () => {
      const files = readDbFiles(t.path);
      assert.ok(files.length > 0);
      for (const form of [marker, Buffer.from(marker).toString('base64'), Buffer.from(marker).toString('base64url')]) {
        assert.ok(!files.includes(Buffer.from(form)), form);
      }
      assert.ok(!files.includes(Buffer.from(body).toString('base64').slice(0, 24)));
    };
    check(); // data still in the WAL
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    check(); // data in the main file
  } finally {
    t.close();
  }
});

void test('erasePatient shreds DEK, ciphertexts and salts; GONE afterwards; others unaffected', () => {
  const t = openTestDb();
  try {
    const kek = Kek.generate();
    const vault = new Vault(t.db, kek, { now: () => new Date('2026-02-03T04:05:06.000Z') });
    const put = (pseudonym: string, recordId: string, version: number, size: number) =>
      vault.put({ pseudonym, resourceType: 'Observation', recordId, version, plaintext: new Uint8Array(randomBytes(size)) });
    // Sizes below and above the page size exercise inline cells and overflow pages.
    for (let i = 0; i < 6; i++) put('alice', `a${i}`, 1, 100 + i * 3000);
    put('alice', 'a0', 2, 50);
    for (let i = 0; i < 4; i++) put('bob', `b${i}`, 1, 200 + i * 2500);
    t.db.pragma('wal_checkpoint(PASSIVE)'); // some of Alice's bytes in the main file ...
    put('alice', 'a9', 1, 9000); // ... and some only in the WAL

    const rows = t.db
      .prepare<[], { iv: Buffer; ciphertext: Buffer }>(`SELECT iv, ciphertext FROM vault_records WHERE pseudonym = 'alice'`)
      .all();
    const key = t.db.prepare<[], { iv: Buffer; wrapped: Buffer }>(`SELECT iv, wrapped FROM vault_keys WHERE pseudonym = 'alice'`).get()!;
    const salts = vault.listByPatient('alice').map((m) => vault.get(m.recordId, m.version).salt);
    const bobBefore = vault.listByPatient('bob').map((m) => vault.get(m.recordId).plaintext);
    const needles = [...rows.flatMap((r) => windowsOf(r.ciphertext)), ...windowsOf(key.wrapped, 16), key.wrapped];
    const before = readDbFiles(t.path);
    assert.ok(needles.every((n) => containsBytes(before, n)), 'the search finds the bytes before erasure');
    assert.ok(salts.every((s) => !containsBytes(before, s)), 'salts are stored only encrypted');

    const result = vault.erasePatient('alice');
    assert.deepEqual(result, { records: 8, keys: 1, walTruncated: true });

    const after = readDbFiles(t.path);
    for (const n of [...needles, ...salts]) assert.ok(!containsBytes(after, n), 'erased bytes still on disk');
    const tables = t.db
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'vault_%'`)
      .all();
    for (const { name } of tables) {
      const hits = t.db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${name}`).all().filter((row) =>
        Object.values(row).some((v) => typeof v === 'string' && v.includes('alice')),
      );
      assert.equal(hits.length, name === 'vault_erased_patients' ? 1 : 0, name);
    }

    assert.throws(() => vault.get('a0'), { code: 'GONE' });
    assert.throws(() => vault.get('a9', 1), { code: 'GONE' });
    assert.throws(() => vault.listVersions('a3'), { code: 'GONE' });
    assert.throws(() => vault.listByPatient('alice'), { code: 'GONE' });
    assert.throws(() => vault.get('never'), { code: 'NOT_FOUND' });
    assert.equal(vault.has('a0'), false);
    assert.equal(vault.isErased('alice'), true);
    assert.throws(() => put('alice', 'new', 1, 10), { code: 'GONE' });
    assert.throws(() => put('carol', 'a0', 3, 10), { code: 'GONE' }); // an erased record id is not reused
    assert.deepEqual(
      vault.listByPatient('bob').map((m) => vault.get(m.recordId).plaintext),
      bobBefore,
    );
    put('bob', 'b9', 1, 10);
    assert.deepEqual(vault.erasePatient('alice'), { records: 0, keys: 0, walTruncated: true });
    // A fresh instance (no cache) still answers GONE and reads Bob.
    const again = new Vault(t.db, kek);
    assert.throws(() => again.get('a1'), { code: 'GONE' });
    assert.equal(again.get('b9').plaintext.byteLength, 10);
  } finally {
    t.close();
  }
});
