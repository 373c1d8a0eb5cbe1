// Owner-only files for SQLite databases: the database file is created 0600
// before SQLite opens it (SQLite gives its -wal, -shm and -journal files the
// mode of the database file), existing files and companions are narrowed to
// 0600, and the directory holding them is created (or narrowed to) 0700.
// Other local users read neither the ledger, the vault nor the auth store.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mode of every database file and its companions. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of a directory holding databases. */
export const PRIVATE_DIR_MODE = 0o700;
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

/** Narrows `path` to `mode` if it exists, is ours and is wider. */
function narrow(path: string, mode: number): void {
  if (!existsSync(path)) return;
  const st = statSync(path);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return;
  if ((st.mode & 0o777 & ~mode) !== 0) chmodSync(path, st.mode & mode & 0o777);
}

/**
 * Prepares `path` for a writable SQLite database: its directory exists with
 * mode 0700 (an existing one of ours loses group and other bits), the file
 * exists with mode 0600, and any -wal/-shm/-journal companion is 0600 too.
 * Call before opening the database. ':memory:' and '' are left alone.
 */
export function preparePrivateDatabaseFile(path: string): void {
  if (path === ':memory:' || path === '') return;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  narrow(dir, PRIVATE_DIR_MODE);
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const suffix of COMPANIONS) narrow(path + suffix, PRIVATE_FILE_MODE);
}
