// Owner-only database files: new files 0600 in a 0700 directory, SQLite's
// WAL and SHM inheriting 0600, and existing wider files narrowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './sqlite.js';
import { preparePrivateDatabaseFile } from './private-file.js';

const modeOf = (p: string) => statSync(p).mode & 0o777;

test('a new ledger database, its WAL and SHM are 0600 in a 0700 directory', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'careledger-mode-'));
  try {
    const file = join(tmp, 'data', 'ledger.sqlite');
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    assert.equal(modeOf(join(tmp, 'data')), 0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(f), 0o600, f);
    db.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('existing 0644 files and a 0755 directory are narrowed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'careledger-mode-'));
  try {
    chmodSync(tmp, 0o755);
    const file = join(tmp, 'vault.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    writeFileSync(`${file}-wal`, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o644);
    preparePrivateDatabaseFile(file);
    assert.equal(modeOf(tmp), 0o700);
    assert.equal(modeOf(file), 0o600);
    assert.equal(modeOf(`${file}-wal`), 0o600);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
