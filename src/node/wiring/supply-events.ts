// The node's off-ledger EPCIS event store (src/supplychain/epcis-store.ts):
// node-local SQLite, `supplychain.sqlite` under the data directory (0600,
// WAL, secure_delete), encrypted like the vault: each event is sealed with
// AES-256-GCM under one data key of the store, which is kept only wrapped
// by the node's key-encryption key (from the sealed keyring). The AAD binds
// each ciphertext to its row key, so rows cannot be swapped. The index
// holds the hashed object ids the ledger already shows (and shipment ids),
// never an EPC, GTIN, serial or lot in clear.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openAesGcmBlob, sealAesGcmBlob, utf8 } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { EpcisEvent, EpcisEventStore, StoredEpcisEvent } from '../../supplychain/index.js';
import type { Kek } from '../../vault/index.js';

const DEK_LABEL = 'careledger.sc.epcis-store';
const DEK_VERSION = 1;
const EVENT_AAD = 'careledger.sc.epcis-event/1\n';

function dataKeyOf(db: Database.Database, kek: Kek): Uint8Array {
  const row = db.prepare('SELECT iv, wrapped FROM sc_store_key WHERE version = ?').get(DEK_VERSION) as { iv: Buffer; wrapped: Buffer } | undefined;
  if (row !== undefined) {
    const dek = kek.unwrapDek(row.iv, row.wrapped, DEK_LABEL, DEK_VERSION);
    if (dek === undefined) throw new CareLedgerError('INTERNAL', "the EPCIS store's data key does not open with this node's key-encryption key");
    return dek;
  }
  const dek = new Uint8Array(randomBytes(32));
  const { iv, sealed } = kek.wrapDek(dek, DEK_LABEL, DEK_VERSION);
  db.prepare('INSERT INTO sc_store_key (version, iv, wrapped) VALUES (?, ?, ?)').run(DEK_VERSION, iv, sealed);
  return dek;
}

/** Opens (creating if needed) the EPCIS store in `db` (a private database file opened by the caller). */
export function openEpcisStore(db: Database.Database, kek: Kek): EpcisEventStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS sc_store_key (version INTEGER PRIMARY KEY, iv BLOB NOT NULL, wrapped BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS sc_event (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, sealed BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS sc_event_index (object_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (object_id, seq)) WITHOUT ROWID;
  `);
  const dek = dataKeyOf(db, kek);
  const insertEvent = db.prepare('INSERT OR IGNORE INTO sc_event (key, sealed) VALUES (?, ?)');
  const insertIndex = db.prepare('INSERT OR IGNORE INTO sc_event_index (object_id, seq) VALUES (?, ?)');
  const seqsOf = db.prepare('SELECT seq FROM sc_event_index WHERE object_id = ?').pluck();
  const eventAt = db.prepare('SELECT key, sealed FROM sc_event WHERE seq = ?');
  const putAll = db.transaction((events: readonly StoredEpcisEvent[]) => {
    for (const e of events) {
      const sealed = sealAesGcmBlob(dek, utf8(JSON.stringify(e.event)), utf8(EVENT_AAD + e.key));
      const r = insertEvent.run(e.key, sealed);
      if (r.changes === 0) continue; // already stored: idempotent
      const ids = new Set([...e.objectIds, ...(e.shipment === undefined ? [] : [e.shipment])]);
      for (const id of ids) insertIndex.run(id, r.lastInsertRowid);
    }
  });
  return {
    put: (events) => putAll(events),
    eventsOf(objectIds, max) {
      // Each event decrypted once, however many of the ids it is found under (a pallet's shipping, 1,000 packs).
      const seqs = new Set<number>();
      for (const id of objectIds) for (const seq of seqsOf.all(id) as number[]) seqs.add(seq);
      const rows = [...seqs].sort((a, b) => a - b).slice(0, max).map((seq) => eventAt.get(seq) as { key: string; sealed: Buffer });
      return rows.map((row) => {
        const plain = openAesGcmBlob(dek, row.sealed, utf8(EVENT_AAD + row.key));
        if (plain === undefined) throw new CareLedgerError('INTERNAL', 'a stored EPCIS event does not open');
        return JSON.parse(plain.toString('utf8')) as EpcisEvent;
      });
    },
  };
}
