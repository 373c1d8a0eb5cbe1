// Sealed security labels: bound to record and version, memoised write-through,
// and forgotten on erasure (after which a damaged seal is caught again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kek } from '../../vault/index.js';
import { IndexKeys } from './index-keys.js';
import { createSecureSchema } from './schema.js';

function keys(): IndexKeys {
  const db = new Database(':memory:');
  createSecureSchema(db);
  return IndexKeys.load(db, Kek.generate());
}

/** The seal with one ciphertext byte flipped, IV kept. */
function damaged(blob: Buffer): Buffer {
  const copy = Buffer.from(blob);
  copy[12] = (copy[12] ?? 0) ^ 1;
  return copy;
}

test('labels round-trip and are bound to their record and version', () => {
  const k = keys();
  const blob = k.sealLabels(['HIV', 'PSY'], 'rec-1', 2);
  assert.deepEqual(k.openLabels(blob, 'rec-1', 2), ['HIV', 'PSY']);
  const other = keys();
  assert.throws(() => other.openLabels(blob, 'rec-1', 2), { code: 'INTERNAL' });
  assert.throws(() => k.openLabels(blob, 'rec-1', 3), { code: 'INTERNAL' });
  assert.throws(() => k.openLabels(blob, 'rec-2', 2), { code: 'INTERNAL' });
});

test('the version just sealed is memoised; forgetRecords drops it and authentication applies again', () => {
  const k = keys();
  const blob = k.sealLabels(['ETH'], 'rec-7', 1);
  const kept = k.sealLabels(['R'], 'rec-8', 1);
  // Served from the memo (the seal was checked when written): the damaged copy is not opened.
  assert.deepEqual(k.openLabels(damaged(blob), 'rec-7', 1), ['ETH']);
  const labels = k.openLabels(blob, 'rec-7', 1);
  labels.push('changed');
  assert.deepEqual(k.openLabels(blob, 'rec-7', 1), ['ETH'], 'callers get a copy');
  k.forgetRecords(new Set(['rec-7']));
  assert.throws(() => k.openLabels(damaged(blob), 'rec-7', 1), { code: 'INTERNAL' });
  assert.deepEqual(k.openLabels(blob, 'rec-7', 1), ['ETH']);
  assert.deepEqual(k.openLabels(damaged(kept), 'rec-8', 1), ['R'], 'other records stay memoised');
});
