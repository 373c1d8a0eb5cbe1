// A shipment's EPCIS data sealed from sender to receiver (HPKE) and checked
// against the commitment on the ledger; the EPCIS query over what a node
// holds. Committed state is a small in-memory reader; the events live in
// memory stores. Documents are cross-checked with epcis2.js's EPCIS 2.0 JSON
// schema validation (a test-only dependency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { generateSigningKey, generateX25519PrivateKey, hpkeSeal, toBase64Url, utf8, x25519PublicBytes } from '../crypto/index.js';
import { isCareLedgerError } from '../errors/index.js';
import type { JsonValue } from '../ledger/index.js';
import { GOVERNANCE_NAMESPACE, orgKey } from '../contracts/governance/keys.js';
import { SUPPLYCHAIN_NAMESPACE, containerKey, shipmentKey } from '../contracts/supplychain/keys.js';
import { containerIdOf, packIdOf } from '../contracts/supplychain/index.js';
import { acceptShipmentEpcis, epcisCommitmentOf, sealShipmentEpcis, SEALED_EPCIS_TYPE } from './epcis-bundle.js';
import { aggregationEvent, commissioningEvent, epcOfElements, recordEvents, shippingEvent } from './epcis-events.js';
import { queryEvents } from './epcis-query.js';
import { memoryEventStore } from './epcis-store.js';
import type { SupplyContext } from './ledger.js';

const require = createRequire(import.meta.url);
const { validateEpcisDocument } = require('epcis2.js') as { validateEpcisDocument: (doc: unknown, throwError?: boolean) => { success: boolean; errors: string[] } };

const GTIN = '09506000134352';
const SSCC = '106141412345678908';
const NOW = '2026-03-01T08:00:00.000Z';

function world() {
  const rows = new Map<string, JsonValue>();
  const state = { get: (ns: string, key: string) => rows.get(`${ns} ${key}`) };
  const put = (ns: string, key: string, value: JsonValue) => rows.set(`${ns} ${key}`, value);
  const keys = { mfr: generateX25519PrivateKey(), whs: generateX25519PrivateKey(), pha: generateX25519PrivateKey() };
  for (const [orgId, key] of Object.entries(keys)) put(GOVERNANCE_NAMESPACE, orgKey(orgId), { status: 'active', hpkePublicKey: toBase64Url(x25519PublicBytes(key)) });
  // Each event a second after the one before, as on a real line.
  let tick = Date.parse(NOW);
  const now = () => new Date((tick += 1000)).toISOString();
  const ctx = (orgId: keyof typeof keys): SupplyContext => ({
    ledger: { networkId: 'n', state, scan: () => [], now, submit: async () => [] } as unknown as SupplyContext['ledger'],
    orgId,
    signer: generateSigningKey(),
    epcis: { store: memoryEventStore(), hpkePrivateKey: keys[orgId] },
  });
  return { put, mfr: ctx('mfr'), whs: ctx('whs'), pha: ctx('pha') };
}

/** The manufacturer commissions S1..S3, packs S1 and S2 into a case and seals the case's shipment to the wholesaler. */
function shipCase() {
  const w = world();
  const serials = ['S1', 'S2', 'S3'];
  const packs = serials.map((serial) => packIdOf(GTIN, serial));
  const box = containerIdOf(SSCC);
  recordEvents(w.mfr, [{ event: commissioningEvent(w.mfr, { gtin: GTIN, lot: 'L1', expiry: '281231', serials }), ids: packs }]);
  w.put(SUPPLYCHAIN_NAMESPACE, containerKey(box), { custodian: 'mfr', children: packs.slice(0, 2), since: 1 });
  recordEvents(w.mfr, [{ event: aggregationEvent(w.mfr, 'ADD', epcOfElements({ sscc: SSCC }), serials.slice(0, 2).map((serial) => epcOfElements({ gtin: GTIN, serial }))), ids: [box] }]);
  const shipping = shippingEvent(w.mfr, 'whs', [epcOfElements({ sscc: SSCC })]);
  const sealed = sealShipmentEpcis(w.mfr, 'whs', [box], shipping);
  assert.ok(sealed);
  const shipment = 'sh-' + 'a'.repeat(32);
  w.put(SUPPLYCHAIN_NAMESPACE, shipmentKey(shipment), { from: 'mfr', to: 'whs', objects: [box], status: 'in-transit', epcis: sealed.commitment, shippedAt: NOW });
  recordEvents(w.mfr, [{ event: shipping, ids: [box], shipment }]);
  return { ...w, shipment, sealed: { type: SEALED_EPCIS_TYPE, shipment, enc: sealed.enc, ciphertext: sealed.ciphertext }, commitment: sealed.commitment };
}

function refusal(f: () => unknown): { code: string; field: string | undefined } {
  try {
    f();
  } catch (e) {
    if (isCareLedgerError(e)) return { code: e.code, field: e.field };
    throw e;
  }
  assert.fail('accepted');
}

const eventsOf = (doc: { [k: string]: unknown }) => (doc as { epcisBody: { queryResults: { resultsBody: { eventList: Array<Record<string, unknown>> } } } }).epcisBody.queryResults.resultsBody.eventList;

test('the receiver opens the sealed bundle, checks it against the ledger, and holds the history of what it received', () => {
  const w = shipCase();
  assert.deepEqual(acceptShipmentEpcis(w.whs, w.sealed), { shipmentId: w.shipment, events: 3 });
  // Idempotent: the same bundle again stores nothing new.
  assert.deepEqual(acceptShipmentEpcis(w.whs, w.sealed), { shipmentId: w.shipment, events: 3 });
  const doc = queryEvents(w.whs, `(01)${GTIN}(21)S1`);
  assert.deepEqual(validateEpcisDocument(doc, false), { success: true, errors: [] });
  const events = eventsOf(doc);
  assert.deepEqual(events.map((e) => e['bizStep']), ['commissioning', 'packing', 'shipping']);
  // Cut down to the pack asked about: S2 and S3 of the same commissioning are not disclosed.
  assert.deepEqual(events[0]?.['epcList'], [`https://id.gs1.org/01/${GTIN}/21/S1`]);
  assert.deepEqual(events[1]?.['childEPCs'], [`https://id.gs1.org/01/${GTIN}/21/S1`]);
  assert.equal(events[1]?.['parentID'], `https://id.gs1.org/00/${SSCC}`);
  assert.deepEqual(events[2]?.['epcList'], [`https://id.gs1.org/00/${SSCC}`]);
  // S3 was never shipped: the wholesaler holds nothing about it, as for a pack that does not exist.
  assert.deepEqual(eventsOf(queryEvents(w.whs, `(01)${GTIN}(21)S3`)), []);
  assert.deepEqual(eventsOf(queryEvents(w.whs, `(01)${GTIN}(21)NOSUCHPACK`)), []);
  // The manufacturer sees its own events; a pharmacy that never held the pack sees nothing.
  assert.deepEqual(eventsOf(queryEvents(w.mfr, `https://id.gs1.org/01/${GTIN}/21/S3`)).map((e) => e['bizStep']), ['commissioning']);
  assert.deepEqual(eventsOf(queryEvents(w.pha, `(01)${GTIN}(21)S1`)), []);
  // The same answer whatever form the EPC takes (SGTIN pure identity URI).
  assert.deepEqual(eventsOf(queryEvents(w.whs, 'urn:epc:id:sgtin:9506000.013435.S1')), events);
  assert.deepEqual(refusal(() => queryEvents(w.whs, `(01)${GTIN}`)), { code: 'MALFORMED', field: 'epc' });
});

test('a tampered bundle is refused with CONFLICT and stores nothing', () => {
  const w = shipCase();
  const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, { ...w.sealed, ciphertext: flip(w.sealed.ciphertext, 40) })), { code: 'CONFLICT', field: 'sealed' });
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, { ...w.sealed, enc: flip(w.sealed.enc, 3) })), { code: 'CONFLICT', field: 'sealed' });
  // Sealed to another organisation: does not open here.
  assert.deepEqual(refusal(() => acceptShipmentEpcis({ ...w.whs, epcis: { store: memoryEventStore(), hpkePrivateKey: generateX25519PrivateKey() } }, w.sealed)), { code: 'CONFLICT', field: 'sealed' });
  assert.deepEqual(eventsOf(queryEvents(w.whs, `(01)${GTIN}(21)S1`)), []);
});

test('a bundle that opens but is not what the ledger committed to is refused with CONFLICT epcis', () => {
  const w = shipCase();
  const whsKey = x25519PublicBytes(w.whs.epcis?.hpkePrivateKey as never);
  const other = utf8(JSON.stringify({ type: 'careledger.sc.epcis-bundle/1', from: 'mfr', to: 'whs', salt: 'A'.repeat(22), document: {} }));
  assert.notEqual(epcisCommitmentOf(other), w.commitment);
  // A sender sealing other bytes under the ledger's commitment (the AAD binds the commitment, not the bytes).
  const forged = hpkeSeal(whsKey, utf8('careledger.sc.epcis/1'), utf8(`${SEALED_EPCIS_TYPE}\nwhs\n${w.commitment}`), other);
  const bundle = { ...w.sealed, enc: toBase64Url(forged.enc), ciphertext: toBase64Url(forged.ct) };
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, bundle)), { code: 'CONFLICT', field: 'epcis' });
  // The ledger's shipment carries another object than the bundle's shipping event names.
  w.put(SUPPLYCHAIN_NAMESPACE, shipmentKey(w.shipment), { from: 'mfr', to: 'whs', objects: [packIdOf(GTIN, 'S3')], status: 'in-transit', epcis: w.commitment, shippedAt: NOW });
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, w.sealed)), { code: 'CONFLICT', field: 'epcis' });
  assert.deepEqual(eventsOf(queryEvents(w.whs, `(01)${GTIN}(21)S1`)), []);
});

test('a shipment that is unknown or to another organisation answers NOT_FOUND alike', () => {
  const w = shipCase();
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.pha, w.sealed)), { code: 'NOT_FOUND', field: undefined });
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, { ...w.sealed, shipment: 'sh-' + 'b'.repeat(32) })), { code: 'NOT_FOUND', field: undefined });
  assert.deepEqual(refusal(() => acceptShipmentEpcis(w.whs, { ...w.sealed, extra: 1 })).code, 'MALFORMED');
});
