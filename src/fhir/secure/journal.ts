// The audit journal: an append-only file of access events in front of the
// custodian's access log, one sealed base64url line each (AES-256-GCM under
// the access log's key: never clear text). Appending is one write(2): the
// event is in the kernel's page cache before the read answers, so it
// survives a crash of the process (the same guarantee as a SQLite WAL commit
// with synchronous=NORMAL, at a fraction of the cost). The flusher moves lines
// into the access log (access-log.ts) in one SQLite transaction together with
// the watermark row that records how far the log has taken the journal; the
// file is truncated once all of it is in, and on start the lines past the
// watermark are queued again.
import type Database from 'better-sqlite3';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface JournalLine {
  /** Byte offset just past this line. */
  end: number;
  /** The line as appended (without its newline); opaque to the journal. */
  line: string;
}

export class AuditJournal {
  readonly #fd: number;
  readonly #mark: { get: Database.Statement<[], { offset: number }>; set: Database.Statement<[number]> };
  #size: number;

  constructor(db: Database.Database, readonly path: string) {
    db.exec('CREATE TABLE IF NOT EXISTS fhir_audit_mark (id INTEGER PRIMARY KEY CHECK (id = 1), offset INTEGER NOT NULL)');
    db.exec('INSERT OR IGNORE INTO fhir_audit_mark (id, offset) VALUES (1, 0)');
    this.#mark = {
      get: db.prepare<[], { offset: number }>('SELECT offset FROM fhir_audit_mark WHERE id = 1'),
      set: db.prepare<[number]>('UPDATE fhir_audit_mark SET offset = ? WHERE id = 1'),
    };
    this.#fd = openSync(path, 'a+', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  /** Lines past the watermark (a torn last line, never acknowledged, is dropped; so are blank lines). */
  pendingLines(): JournalLine[] {
    const mark = this.#mark.get.get()?.offset ?? 0;
    const text = readFileSync(this.path);
    const out: JournalLine[] = [];
    let at = mark <= text.byteLength ? mark : 0;
    while (at < text.byteLength) {
      const nl = text.indexOf(0x0a, at);
      if (nl < 0) break;
      const line = text.subarray(at, nl).toString('utf8');
      at = nl + 1;
      if (line.trim() !== '') out.push({ end: at, line });
    }
    if (at < text.byteLength) {
      ftruncateSync(this.#fd, at);
      this.#size = at;
    }
    return out;
  }

  /** Appends lines (one write; a line must not contain a newline); returns each line's end offset. */
  append(lines: readonly string[], fsync: boolean): number[] {
    const text = lines.map((l) => l + '\n').join('');
    const ends: number[] = [];
    let end = this.#size;
    for (const l of lines) {
      end += Buffer.byteLength(l) + 1;
      ends.push(end);
    }
    writeSync(this.#fd, text);
    if (fsync) fsyncSync(this.#fd);
    this.#size = end;
    return ends;
  }

  /** Records that the access log has everything up to `offset`: one SQLite write, so call it inside the log's transaction. */
  advance(offset: number): void {
    this.#mark.set.run(Math.min(offset, this.#size));
  }

  /** Empties the file once the watermark covers all of it (after the transaction that advanced it committed). */
  compact(): void {
    const mark = this.#mark.get.get()?.offset ?? 0;
    if (mark < this.#size) return;
    ftruncateSync(this.#fd, 0);
    this.#size = 0;
    this.#mark.set.run(0);
  }

  /** advance + compact, for callers without a transaction of their own. */
  committed(offset: number): void {
    this.advance(offset);
    this.compact();
  }

  close(): void {
    closeSync(this.#fd);
  }
}
