// Helpers for the vault's unit tests only (not exported from index.ts): a
// throw-away SQLite file configured as the node configures it, and raw-byte
// searches over the database, -wal and -shm files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface TestDb {
  db: Database.Database;
  path: string;
  close: () => void;
}

/** A file database in a fresh tmp dir: WAL, synchronous=FULL, secure_delete=ON. */
export function openTestDb(): TestDb {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-vault-'));
  const path = join(dir, 'vault.sqlite');
  const db = openAt(path);
  return {
    db,
    path,
    close: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function openAt(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  return db;
}

/** Every byte of the database file and its -wal and -shm companions (missing files count as empty). */
export function readDbFiles(path: string): Buffer {
  const parts: Buffer[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      parts.push(readFileSync(path + suffix));
    } catch {
      // absent after a truncating checkpoint or before the first write
    }
  }
  return Buffer.concat(parts);
}

/** True if `needle` occurs anywhere in `haystack`. */
export function containsBytes(haystack: Buffer, needle: Uint8Array): boolean {
  return needle.byteLength > 0 && haystack.indexOf(Buffer.from(needle)) !== -1;
}

/**
 * 16-byte windows of a blob every `step` bytes: a blob spread over overflow
 * pages is split by page headers, so searching for it whole could miss
 * surviving fragments.
 */
export function windowsOf(blob: Uint8Array, step = 200, width = 16): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + width <= blob.byteLength; at += step) out.push(blob.subarray(at, at + width));
  if (blob.byteLength >= width) out.push(blob.subarray(blob.byteLength - width));
  return out;
}
