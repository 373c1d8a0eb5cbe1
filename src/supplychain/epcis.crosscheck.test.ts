// Cross-check of EPCIS 2.0 documents against epcis2.js (its EPCIS 2.0 JSON
// schema validation; a test-only dependency, pinned): every event CareLedger
// writes validates, the documents capture accepts validate, and documents the
// schema refuses are refused by capture too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { generateSigningKey } from '../crypto/index.js';
import { DECOMMISSION_REASONS } from '../contracts/supplychain/index.js';
import { isCareLedgerError } from '../errors/index.js';
import { aggregationEvent, commissioningEvent, decommissionEvent, epcisDocument, epcOfElements, receivingEvent, shippingEvent } from './epcis-events.js';
import { planCapture } from './epcis.js';
import type { SupplyContext } from './ledger.js';

const require = createRequire(import.meta.url);
const { validateEpcisDocument } = require('epcis2.js') as { validateEpcisDocument: (doc: unknown, throwError?: boolean) => { success: boolean; errors: string[] } };

const GTIN = '09506000134352';
const SSCC = '106141412345678908';
const NOW = '2026-03-01T08:00:00.000Z';
const ctx = { ledger: { now: () => NOW }, orgId: 'mfr', signer: generateSigningKey() } as unknown as SupplyContext;
const pack = (serial: string) => epcOfElements({ gtin: GTIN, serial });
const box = epcOfElements({ sscc: SSCC });

test('every event CareLedger writes is valid EPCIS 2.0 for epcis2.js', () => {
  const events = [
    commissioningEvent(ctx, { gtin: GTIN, lot: 'L1', expiry: '281231', serials: ['S1', "A!'()*/B"] }),
    aggregationEvent(ctx, 'ADD', box, [pack('S1')]),
    aggregationEvent(ctx, 'DELETE', box, []),
    shippingEvent(ctx, 'whs', [box]),
    receivingEvent(ctx, 'mfr', [box]),
    ...DECOMMISSION_REASONS.map((reason) => decommissionEvent(ctx, reason, [pack('S1')])),
  ];
  for (const event of events) assert.deepEqual(validateEpcisDocument(epcisDocument(NOW, [event]), false), { success: true, errors: [] }, JSON.stringify(event));
});

const T = { eventTime: '2026-03-01T08:00:00Z', eventTimeZoneOffset: '+00:00' };
const doc = (eventList: unknown[]) => ({ '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-03-01T08:00:00Z', epcisBody: { eventList } });
const commissioning = { type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', epcList: ['urn:epc:id:sgtin:0614141.812345.1'], ilmd: { 'cbvmda:lotNumber': 'L1', 'cbvmda:itemExpirationDate': '2028-12-31' }, ...T };

test('documents capture accepts are valid for epcis2.js', () => {
  const accepted = doc([
    commissioning,
    { type: 'AggregationEvent', action: 'ADD', bizStep: 'packing', parentID: 'urn:epc:id:sscc:0614141.1234567890', childEPCs: ['urn:epc:id:sgtin:0614141.812345.1'], ...T },
    { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'shipping', epcList: ['urn:epc:id:sscc:0614141.1234567890'], destinationList: [{ type: 'owning_party', destination: 'urn:careledger:org:whs' }], ...T },
    { type: 'TransactionEvent', action: 'ADD', bizStep: 'shipping', bizTransactionList: [{ type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:PO-1' }], epcList: ['urn:epc:id:sscc:0614141.1234567890'], destinationList: [{ type: 'owning_party', destination: 'urn:careledger:org:whs' }], ...T },
    { type: 'ObjectEvent', action: 'DELETE', bizStep: 'dispensing', epcList: ['urn:epc:id:sgtin:0614141.812345.1'], ...T },
  ]);
  assert.equal(planCapture(accepted).length, 5);
  assert.deepEqual(validateEpcisDocument(accepted, false), { success: true, errors: [] });
});

test('one leniency, on purpose: CBV URNs of EPCIS 1.x, which the EPCIS 2.0 JSON schema refuses, are read as the bare words', () => {
  const urn = doc([{ ...commissioning, bizStep: 'urn:epcglobal:cbv:bizstep:commissioning' }]);
  assert.equal(validateEpcisDocument(urn, false).success, false);
  assert.deepEqual(planCapture(urn).map((p) => p.kind), ['commission']);
});

test('documents epcis2.js refuses are refused by capture, naming the place', () => {
  const untimed: Record<string, unknown> = { ...commissioning };
  delete untimed['eventTime'];
  const cases: Array<[unknown, string]> = [
    [doc([{ ...commissioning, action: 'MAYBE' }]), 'epcisBody.eventList.0.action'],
    [doc([untimed]), 'epcisBody.eventList.0.eventTime'],
    [doc([{ ...commissioning, type: 'NoSuchEvent' }]), 'epcisBody.eventList.0.type'],
    [{ ...doc([commissioning]), epcisBody: {} }, 'epcisBody.eventList'],
  ];
  for (const [document, field] of cases) {
    assert.equal(validateEpcisDocument(document, false).success, false, field);
    try {
      planCapture(document);
      assert.fail(`capture accepted what epcis2.js refuses (${field})`);
    } catch (e) {
      assert.ok(isCareLedgerError(e) && e.code === 'MALFORMED', String(e));
      assert.equal(e.field, field);
    }
  }
});
