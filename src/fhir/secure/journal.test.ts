// The audit journal: what was appended and not yet committed comes back after
// a restart, a torn last line is dropped, and a fully committed journal is emptied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditJournal } from './journal.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-journal-'));
  const db = new Database(join(dir, 'vault.sqlite'));
  const path = join(dir, 'audit.journal');
  return { dir, db, path, done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

const ev = (patient: string, n: number) => JSON.stringify({ patient, requestId: `r${n}` });

test('pending lines survive a restart from the watermark; a torn line is dropped', () => {
  const s = setup();
  try {
    const j = new AuditJournal(s.db, s.path);
    const ends = j.append([ev('pt-a', 1), ev('pt-b', 2), ev('pt-a', 3)], false);
    assert.equal(ends.length, 3);
    assert.equal(ends[2], statSync(s.path).size);
    j.committed(ends[0]!); // the ledger has the first event
    j.close();
    appendFileSync(s.path, '{"patient":"pt-c","requ'); // a crash in the middle of a write
    const again = new AuditJournal(s.db, s.path);
    const pending = again.pendingLines();
    assert.deepEqual(pending.map((l) => JSON.parse(l.line).requestId), ['r2', 'r3']);
    assert.deepEqual(pending.map((l) => l.end), [ends[1], ends[2]]);
    assert.equal(statSync(s.path).size, ends[2]); // the torn tail is gone
    again.close();
  } finally {
    s.done();
  }
});

test('a fully committed journal is truncated and offsets start again', () => {
  const s = setup();
  try {
    const j = new AuditJournal(s.db, s.path);
    const ends = j.append([ev('pt-a', 1), ev('pt-a', 2)], true);
    j.committed(ends[1]!);
    assert.equal(statSync(s.path).size, 0);
    const next = j.append([ev('pt-a', 3)], false);
    assert.equal(next[0], statSync(s.path).size);
    assert.deepEqual(j.pendingLines().map((l) => JSON.parse(l.line).requestId), ['r3']);
    j.close();
  } finally {
    s.done();
  }
});
