// The one random 32-byte master key a service keeps per node in its own meta
// table (fhir_meta 'index_key', access_meta 'log_key'), stored only wrapped by
// the vault's KEK as iv || sealed. Created on first use; the caller derives its
// subkeys from the master, which is zeroed as soon as the caller returns.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AES_GCM_IV_BYTES, concatBytes } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { Kek } from '../../vault/index.js';

/** Where a master key is kept and under which wrap name (never a pseudonym: those are 'pt-' + hex). */
export interface WrappedKeySlot {
  table: 'fhir_meta' | 'access_meta';
  row: string;
  wrapName: string;
  wrapVersion: number;
  /** What the key is, for the INTERNAL error when it does not unwrap. */
  what: string;
}

/** Loads (or creates) the slot's master key and hands it to `derive`; the master is zeroed afterwards. */
export function withWrappedMasterKey<T>(db: Database.Database, kek: Kek, slot: WrappedKeySlot, derive: (master: Uint8Array) => T): T {
  const row = db.prepare<[string], { value: Uint8Array }>(`SELECT value FROM ${slot.table} WHERE name = ?`).get(slot.row);
  let master: Uint8Array | undefined;
  if (row === undefined) {
    master = new Uint8Array(randomBytes(32));
    const { iv, sealed } = kek.wrapDek(master, slot.wrapName, slot.wrapVersion);
    db.prepare(`INSERT INTO ${slot.table} (name, value) VALUES (?, ?)`).run(slot.row, concatBytes(iv, sealed));
  } else {
    const blob = new Uint8Array(row.value);
    master = kek.unwrapDek(blob.subarray(0, AES_GCM_IV_BYTES), blob.subarray(AES_GCM_IV_BYTES), slot.wrapName, slot.wrapVersion);
    if (master === undefined) throw new CareLedgerError('INTERNAL', `${slot.what} does not unwrap with this KEK`, { field: 'kek' });
  }
  try {
    return derive(master);
  } finally {
    master.fill(0);
  }
}
