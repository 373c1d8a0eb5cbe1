// The audit journal: an append-only file of access events (one JSON line
// each) in front of the ledger. Appending is one write(2): the event is in
// the kernel's page cache before the read answers, so it survives a crash of
// the process (the same guarantee as a SQLite WAL commit with
// synchronous=NORMAL, at a fraction of the cost); the flusher's ledger commit
// is what makes it permanent. A watermark row in SQLite records how far the
// ledger has taken the journal; the file is truncated whenever it is fully
// committed, and on start the lines past the watermark are queued again.
import type Database from 'better-sqlite3';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface JournalLine {
  /** Byte offset just past this line. */
  end: number;
  patient: string;
  event: string;
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

  /** Lines past the watermark (a torn last line, never acknowledged, is dropped). */
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
      try {
        const parsed = JSON.parse(line) as { patient?: unknown };
        if (typeof parsed.patient === 'string') out.push({ end: at, patient: parsed.patient, event: line });
      } catch {
        // A line that does not parse cannot have been acknowledged: skip it.
      }
    }
    if (at < text.byteLength) {
      ftruncateSync(this.#fd, at);
      this.#size = at;
    }
    return out;
  }

  /** Appends events (one write); returns each line's end offset. */
  append(lines: ReadonlyArray<{ patient: string; event: string }>, fsync: boolean): number[] {
    const text = lines.map((l) => l.event + '\n').join('');
    const ends: number[] = [];
    let end = this.#size;
    for (const l of lines) {
      end += Buffer.byteLength(l.event) + 1;
      ends.push(end);
    }
    writeSync(this.#fd, text);
    if (fsync) fsyncSync(this.#fd);
    this.#size = end;
    return ends;
  }

  /** Records that the ledger has everything up to `offset`; empties the file when all of it is. */
  committed(offset: number): void {
    if (offset >= this.#size) {
      ftruncateSync(this.#fd, 0);
      this.#size = 0;
      this.#mark.set.run(0);
    } else {
      this.#mark.set.run(offset);
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}
