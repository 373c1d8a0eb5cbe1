// EPCIS 2.0 capture planning: EPC URIs to GS1 elements (GS1 EPC Tag Data
// Standard examples), CBV events to supply-chain commands, and malformed
// documents refused as a whole with the event and field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCareLedgerError } from '../errors/index.js';
import { elementsOfEpc } from './epc.js';
import { planCapture } from './epcis.js';

const CONTEXT = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'];
const doc = (eventList: unknown[]) => ({ '@context': CONTEXT, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-03-01T08:00:00Z', epcisBody: { eventList } });
const T = { eventTime: '2026-03-01T08:00:00Z', eventTimeZoneOffset: '+00:00' };

function refusal(document: unknown): { code: string; field: string | undefined; message: string } {
  try {
    planCapture(document);
  } catch (e) {
    if (isCareLedgerError(e)) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  assert.fail('accepted');
}

test('EPC pure identity URIs: Tag Data Standard examples', () => {
  // TDS 2.x: GTIN 80614141123458 serial 6789 <-> urn:epc:id:sgtin:0614141.812345.6789
  assert.deepEqual(elementsOfEpc('urn:epc:id:sgtin:0614141.812345.6789', 'x'), { gtin: '80614141123458', serial: '6789' });
  // TDS 2.x: SSCC 106141412345678908 <-> urn:epc:id:sscc:0614141.1234567890
  assert.deepEqual(elementsOfEpc('urn:epc:id:sscc:0614141.1234567890', 'x'), { sscc: '106141412345678908' });
  assert.deepEqual(elementsOfEpc('urn:epc:id:sgtin:0614141.812345.A%2FB', 'x'), { gtin: '80614141123458', serial: 'A/B' });
  assert.deepEqual(elementsOfEpc('https://id.gs1.org/01/09506000134352/21/S1', 'x'), { gtin: '09506000134352', serial: 'S1' });
  assert.throws(() => elementsOfEpc('urn:epc:id:sgtin:0614141.81234.6789', 'epc'), (e: unknown) => isCareLedgerError(e) && e.field === 'epc');
  assert.throws(() => elementsOfEpc('urn:epc:id:grai:0614141.12345.400', 'epc'), /not an SGTIN or SSCC/);
});

test('CBV events become commissioning, packing, shipping, receiving, unpacking and dispensing', () => {
  const plans = planCapture(
    doc([
      { type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', epcList: ['urn:epc:id:sgtin:0614141.812345.1', 'urn:epc:id:sgtin:0614141.812345.2'], ilmd: { 'cbvmda:lotNumber': 'L1', 'cbvmda:itemExpirationDate': '2028-12-31' }, ...T },
      { type: 'AggregationEvent', action: 'ADD', bizStep: 'urn:epcglobal:cbv:bizstep:packing', parentID: 'urn:epc:id:sscc:0614141.1234567890', childEPCs: ['urn:epc:id:sgtin:0614141.812345.1'], ...T },
      { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping', epcList: ['urn:epc:id:sscc:0614141.1234567890'], destinationList: [{ type: 'owning_party', destination: 'urn:careledger:org:whs' }], ...T },
      { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'receiving', epcList: ['urn:epc:id:sscc:0614141.1234567890'], ...T },
      { type: 'AggregationEvent', action: 'DELETE', bizStep: 'unpacking', parentID: 'urn:epc:id:sscc:0614141.1234567890', ...T },
      { type: 'ObjectEvent', action: 'DELETE', bizStep: 'dispensing', epcList: ['urn:epc:id:sgtin:0614141.812345.1'], ...T },
      { type: 'ObjectEvent', action: 'DELETE', bizStep: 'decommissioning', disposition: 'stolen', epcList: ['urn:epc:id:sgtin:0614141.812345.2'], ...T },
    ]),
  );
  assert.deepEqual(plans.map((p) => p.kind), ['commission', 'aggregate', 'ship', 'receive', 'disaggregate', 'decommission', 'decommission']);
  assert.deepEqual(plans[0], { kind: 'commission', gtin: '80614141123458', lot: 'L1', expiry: '281231', serials: ['1', '2'] });
  assert.deepEqual(plans[1], { kind: 'aggregate', sscc: '106141412345678908', children: ['https://id.gs1.org/01/80614141123458/21/1'] });
  assert.deepEqual(plans[2], { kind: 'ship', to: 'whs', objects: ['(00)106141412345678908'] });
  assert.equal((plans[6] as { reason: string }).reason, 'stolen');
});

test('malformed EPCIS documents are refused whole, naming the event and field', () => {
  const commissioning = { type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', epcList: ['urn:epc:id:sgtin:0614141.812345.1'], ilmd: { 'cbvmda:lotNumber': 'L1', 'cbvmda:itemExpirationDate': '2028-12-31' }, ...T };
  const cases: Array<[unknown, string]> = [
    [{ type: 'EPCISQueryDocument' }, 'type'],
    [{ ...doc([commissioning]), schemaVersion: '1.2' }, 'schemaVersion'],
    [doc([]), 'epcisBody.eventList'],
    [doc([commissioning, { ...commissioning, type: 'TransformationEvent' }]), 'epcisBody.eventList.1.type'],
    [doc([commissioning, { ...commissioning, epcList: ['urn:epc:id:sgtin:0614141.812345'] }]), 'epcisBody.eventList.1.epcList.0'],
    [doc([{ ...commissioning, ilmd: { 'cbvmda:lotNumber': 'L1', 'cbvmda:itemExpirationDate': '31/12/2028' } }]), 'epcisBody.eventList.0.ilmd.cbvmda:itemExpirationDate'],
    [doc([{ ...commissioning, ilmd: {} }]), 'epcisBody.eventList.0.ilmd'],
    [doc([{ ...commissioning, bizStep: 'inspecting' }]), 'epcisBody.eventList.0.bizStep'],
    [doc([{ ...commissioning, action: 'OBSERVE', bizStep: 'shipping', destinationList: [] }]), 'epcisBody.eventList.0.destinationList'],
    [doc([{ ...commissioning, action: 'DELETE', bizStep: 'decommissioning' }]), 'epcisBody.eventList.0.disposition'],
    [doc([{ ...commissioning, epcList: ['https://id.gs1.org/01/09506000134353/21/1'] }]), 'epcisBody.eventList.0.epcList.0'],
  ];
  for (const [document, field] of cases) {
    const r = refusal(document);
    assert.equal(r.code, 'MALFORMED', JSON.stringify(document).slice(0, 80));
    assert.equal(r.field, field, r.message);
  }
});
