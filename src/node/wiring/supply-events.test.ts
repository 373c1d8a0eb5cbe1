// The node's EPCIS store: events round-trip under their index ids, puts are
// idempotent, the files hold no EPC, serial or lot in clear, and another
// key-encryption key opens nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kek } from '../../vault/index.js';
import type { EpcisEvent } from '../../supplychain/index.js';
import { openEpcisStore } from './supply-events.js';

const event = (serial: string): EpcisEvent => ({
  type: 'ObjectEvent',
  eventID: `urn:uuid:00000000-0000-4000-8000-00000000000${serial.length}`,
  eventTime: '2026-03-01T08:00:00.000Z',
  eventTimeZoneOffset: '+00:00',
  action: 'ADD',
  bizStep: 'commissioning',
  epcList: [`https://id.gs1.org/01/09506000134352/21/${serial}`],
  ilmd: { 'cbvmda:lotNumber': 'LOTSECRET9', 'cbvmda:itemExpirationDate': '2028-12-31' },
});

test('events round-trip by index id, idempotently, sealed at rest under the KEK', () => {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-epcis-store-'));
  try {
    const file = join(dir, 'supplychain.sqlite');
    const kek = Kek.generate();
    let db = new Database(file);
    const store = openEpcisStore(db, kek);
    const a = event('SERIALQX7');
    const b = event('SERIALQX77');
    store.put([{ key: 'k1', objectIds: ['packA', 'caseC'], event: a }]);
    store.put([{ key: 'k1', objectIds: ['packA', 'caseC'], event: a }, { key: 'k2', objectIds: ['caseC'], shipment: 'sh-1', event: b }]);
    assert.deepEqual(store.eventsOf(['packA'], 10), [a]);
    assert.deepEqual(store.eventsOf(['caseC'], 10), [a, b]);
    assert.deepEqual(store.eventsOf(['caseC'], 1), [a]);
    assert.deepEqual(store.eventsOf(['sh-1'], 10), [b]);
    assert.deepEqual(store.eventsOf(['nothing'], 10), []);
    assert.deepEqual(store.eventsOf(['packA', 'caseC', 'sh-1'], 10), [a, b], 'each event once, in the order stored');
    db.close();
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f)))).toString('latin1');
    for (const secret of ['SERIALQX7', 'LOTSECRET9', '09506000134352', 'id.gs1.org']) assert.equal(bytes.includes(secret), false, secret);
    db = new Database(file);
    assert.deepEqual(openEpcisStore(db, kek).eventsOf(['caseC'], 10), [a, b]);
    assert.throws(() => openEpcisStore(db, Kek.generate()), (e: unknown) => (e as { code?: string }).code === 'INTERNAL');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
