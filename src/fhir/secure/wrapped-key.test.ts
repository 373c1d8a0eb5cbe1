// The shared master-key slot of the search index and the access log: created
// once as iv || sealed in its meta table, the same master on reload with the
// same KEK, INTERNAL under another KEK, and zeroed once derived from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { AES_GCM_IV_BYTES } from '../../crypto/index.js';
import { isCareLedgerError } from '../../errors/index.js';
import { Kek } from '../../vault/index.js';
import { withWrappedMasterKey, type WrappedKeySlot } from './wrapped-key.js';

const SLOT: WrappedKeySlot = { table: 'fhir_meta', row: 'index_key', wrapName: 'careledger.test-slot', wrapVersion: 1, what: 'test key' };

function db(): Database.Database {
  const d = new Database(':memory:');
  d.exec('CREATE TABLE fhir_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)');
  return d;
}

test('created once, the same master on reload, INTERNAL naming the key under another KEK', () => {
  const d = db();
  const kek = Kek.generate();
  let seen: Uint8Array | undefined;
  const first = withWrappedMasterKey(d, kek, SLOT, (m) => {
    seen = m;
    return Buffer.from(m).toString('hex');
  });
  assert.equal(first.length, 64);
  assert.ok(seen !== undefined && seen.every((b) => b === 0), 'the master is zeroed after derive');
  const rows = d.prepare<[], { name: string; value: Uint8Array }>('SELECT name, value FROM fhir_meta').all();
  assert.deepEqual(rows.map((r) => r.name), ['index_key']);
  assert.equal(rows[0]!.value.byteLength, AES_GCM_IV_BYTES + 32 + 16, 'iv || ciphertext || tag');
  assert.equal(withWrappedMasterKey(d, kek, SLOT, (m) => Buffer.from(m).toString('hex')), first);
  assert.equal(d.prepare('SELECT count(*) AS n FROM fhir_meta').pluck().get(), 1);
  assert.throws(
    () => withWrappedMasterKey(d, Kek.generate(), SLOT, () => 'never'),
    (e: unknown) => isCareLedgerError(e) && e.code === 'INTERNAL' && e.field === 'kek' && e.message === 'test key does not unwrap with this KEK',
  );
  assert.throws(() => withWrappedMasterKey(d, kek, { ...SLOT, wrapName: 'careledger.other' }, () => 'never'), { code: 'INTERNAL' });
});
