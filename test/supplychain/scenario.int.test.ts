// Issue 12 acceptance, over HTTP on real nodes: a manufacturer, a wholesaler,
// a pharmacy and a fourth member organisation (no trading partner), each with
// its own node, ordered by one etcd member. The manufacturer commissions
// 1,000 packs, aggregates them into cases on a pallet and ships to the
// wholesaler, who receives and ships on to the pharmacy, which dispenses one
// pack. Verification answers at every step; a counterfeit serial is unknown;
// a second dispense is refused and alerts the manufacturer; a party not
// holding custody cannot ship; a saleable return verifies before resale; a
// recalled lot verifies as recalled; bad scans write nothing. Each shipment's
// EPCIS data travels sealed to the receiver's node and is checked against the
// ledger (a tampered bundle is refused); each partner's EPCIS query answers
// with the pack's history as far as it held the pack, and an empty list
// otherwise, as for a pack that does not exist. Then the confidentiality
// check: the fourth org's ledger files hold none of the scenario's serials,
// lots or GTINs, in text, hex, base64 or base64url, and the partners' EPCIS
// stores hold them only encrypted.
// Without etcd: fails in CI, skips locally.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatBracketed, formatDigitalLink, formatElementString, gs1CheckDigit } from '../../src/supplychain/index.js';
import { etcdSuiteSkip } from '../cluster/etcd-suite.js';
import { call, startConsortium, type Consortium, type Json, type Partner } from './consortium.js';

const skip = etcdSuiteSkip();

const GTIN = '09506000134352';
const LOT = 'LQ7X2049';
const EXPIRY = '281231';
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Randomised serials, as DSCSA and FMD require. */
const serials = Array.from({ length: 1000 }, () => Array.from(randomBytes(12), (b) => ALPHABET[b % ALPHABET.length]).join(''));
const sscc = (n: number): string => {
  const body = `0950600013${String(n).padStart(7, '0')}`;
  return body + String(gs1CheckDigit(body));
};
const PALLET = sscc(9999);
/** A pack as a DataMatrix scanner delivers it. */
const scanOf = (serial: string, lot = LOT) => `]d2${formatElementString({ gtin: GTIN, expiry: EXPIRY, lot, serial })}`;
const ssccScan = (n: string) => `(00)${n}`;

describe('supply chain scenario over HTTP on four nodes', { skip: skip ?? false, timeout: 240_000 }, () => {
  let net: Consortium;
  let mfr: Partner;
  let whs: Partner;
  let pha: Partner;
  let obs: Partner;
  let toPharmacy = '';
  const history = async (p: Partner, scan: string): Promise<Array<Record<string, unknown>>> => {
    const res = await call(p, 'GET', `/epcis/events?epc=${encodeURIComponent(scan)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.type, 'EPCISQueryDocument');
    return res.body.epcisBody.queryResults.resultsBody.eventList;
  };
  const steps = async (p: Partner, scan: string) => (await history(p, scan)).map((e) => e['bizStep']);
  const verify = async (p: Partner, scan: string) => {
    const res = await call(p, 'POST', '/verify', { scan });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { answer: string; alertId?: string };
  };

  before(async () => {
    net = await startConsortium([
      { orgId: 'mfr', roles: ['manufacturer'], memberRole: 'manufacturer' },
      { orgId: 'whs', roles: ['wholesaler'], memberRole: 'distributor' },
      { orgId: 'pha', roles: ['dispenser'], memberRole: 'pharmacist' },
      { orgId: 'obs', roles: [], memberRole: 'auditor' },
    ]);
    [mfr, whs, pha, obs] = net.partners as [Partner, Partner, Partner, Partner];
  });

  after(async () => {
    await net?.close();
  });

  test('the manufacturer registers the product and commissions 1,000 packs in one request', async () => {
    const product = await call(mfr, 'POST', '/products', { gtin: GTIN, name: 'Amoxicillin 500 mg capsules', strength: '500 mg', form: 'capsule', ndc: '12345-678-90' });
    assert.equal(product.status, 200, JSON.stringify(product.body));
    const res = await call(mfr, 'POST', '/commission', { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { commissioned: 1000, transactions: 1 });
    assert.deepEqual(await verify(mfr, scanOf(serials[0] as string)), { answer: 'verified' });
    // The same pack as a Digital Link and in the bracketed form.
    assert.equal((await verify(mfr, formatDigitalLink({ gtin: GTIN, lot: LOT, serial: serials[1] as string, expiry: EXPIRY }))).answer, 'verified');
    assert.equal((await verify(mfr, formatBracketed({ gtin: GTIN, lot: LOT, serial: serials[2] as string, expiry: EXPIRY }))).answer, 'verified');
  });

  test('ten cases of 100 on a pallet; the pallet ships to the wholesaler, who verifies and receives', async () => {
    for (let c = 0; c < 10; c++) {
      const children = serials.slice(c * 100, c * 100 + 100).map((s) => scanOf(s));
      const res = await call(mfr, 'POST', '/aggregate', { sscc: sscc(c), children });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const pallet = await call(mfr, 'POST', '/aggregate', { sscc: PALLET, children: Array.from({ length: 10 }, (_, c) => ssccScan(sscc(c))) });
    assert.equal(pallet.status, 200, JSON.stringify(pallet.body));
    const shipped = await call(mfr, 'POST', '/shipments', { to: 'whs', objects: [ssccScan(PALLET)] });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    const shipment = shipped.body.shipmentId as string;
    assert.match(shipment, /^sh-[0-9a-f]{32}$/);
    assert.equal(shipped.body.epcis.delivered, true, 'the sealed EPCIS bundle reached the wholesaler');
    await net.sync();
    // A tampered bundle is refused whole, with its code; the genuine one was accepted once already and again is a no-op.
    const sealed = shipped.body.epcis.sealed;
    const c = sealed.ciphertext as string;
    const tampered = { ...sealed, ciphertext: c.slice(0, 50) + (c[50] === 'A' ? 'B' : 'A') + c.slice(51) };
    const refused = await fetch(`${whs.url}/supplychain/v1/epcis/bundles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tampered) });
    assert.equal(refused.status, 409);
    assert.deepEqual(((await refused.json()) as Json).error.code, 'CONFLICT');
    const elsewhere = await fetch(`${pha.url}/supplychain/v1/epcis/bundles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed) });
    assert.equal(elsewhere.status, 404, 'a shipment to another organisation answers like an unknown one');
    // The wholesaler holds the pack's history from the manufacturer, cut down to that pack.
    const events = await history(whs, scanOf(serials[5] as string));
    assert.deepEqual(events.map((e) => e['bizStep']), ['commissioning', 'packing', 'packing', 'shipping']);
    assert.deepEqual(events[0]?.['epcList'], [formatDigitalLink({ gtin: GTIN, serial: serials[5] as string })]);
    // The pharmacy never held it: the same empty answer as for a pack that does not exist.
    assert.deepEqual(await history(pha, scanOf(serials[5] as string)), []);
    assert.deepEqual(await history(pha, scanOf('NOSUCHPACK01')), []);
    // Commissioned at one node, verified at another: in transit to the wholesaler counts as its custody.
    assert.equal((await verify(whs, scanOf(serials[5] as string))).answer, 'verified');
    const inbound = await call(whs, 'GET', '/shipments/inbound');
    assert.deepEqual(inbound.body.items.map((s: { shipmentId: string; from: string }) => [s.shipmentId, s.from]), [[shipment, 'mfr']]);
    assert.equal((await call(pha, 'GET', `/shipments/${shipment}`)).status, 404, 'another pair\'s shipment answers like an unknown one');
    const received = await call(whs, 'POST', `/shipments/${shipment}/receive`);
    assert.equal(received.status, 200, JSON.stringify(received.body));
    assert.equal((await verify(whs, scanOf(serials[999] as string))).answer, 'verified');
    assert.deepEqual(await steps(whs, scanOf(serials[999] as string)), ['commissioning', 'packing', 'packing', 'shipping', 'receiving']);
    await net.sync();
    assert.equal((await verify(mfr, scanOf(serials[5] as string))).answer, 'not-in-custody');
  });

  test('a party not holding custody cannot ship', async () => {
    const res = await call(mfr, 'POST', '/shipments', { to: 'pha', objects: [ssccScan(PALLET)] });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'UNAUTHORIZED');
  });

  test('the wholesaler unpacks and ships a case and two loose packs to the pharmacy, which receives', async () => {
    assert.equal((await call(whs, 'POST', '/disaggregate', { sscc: PALLET })).status, 200);
    assert.equal((await call(whs, 'POST', '/disaggregate', { sscc: sscc(0), children: [scanOf(serials[0] as string), scanOf(serials[1] as string)] })).status, 200);
    const shipped = await call(whs, 'POST', '/shipments', { to: 'pha', objects: [ssccScan(sscc(1)), scanOf(serials[0] as string), scanOf(serials[1] as string)] });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    toPharmacy = shipped.body.shipmentId;
    await net.sync();
    assert.equal((await call(pha, 'POST', `/shipments/${toPharmacy}/receive`)).status, 200);
    await net.sync();
    const seen = await call(mfr, 'GET', `/shipments/${toPharmacy}`);
    assert.equal(seen.status, 404, 'the manufacturer does not see its customers\' shipments');
    assert.equal((await call(pha, 'GET', `/shipments/${toPharmacy}`)).body.from, 'whs');
    assert.equal((await verify(pha, scanOf(serials[100] as string))).answer, 'verified');
    assert.equal((await verify(whs, scanOf(serials[100] as string))).answer, 'not-in-custody');
  });

  test('the pharmacy dispenses one pack; a second dispense is refused and alerts the manufacturer', async () => {
    const pack = scanOf(serials[0] as string);
    const first = await call(pha, 'POST', '/decommission', { scans: [pack], reason: 'dispensed' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { decommissioned: 1 });
    assert.equal((await verify(pha, pack)).answer, 'decommissioned');
    // The whole path, at the dispenser: the manufacturer's events and the wholesaler's came sealed with the shipments.
    assert.deepEqual(await steps(pha, pack), ['commissioning', 'packing', 'packing', 'shipping', 'receiving', 'unpacking', 'unpacking', 'shipping', 'receiving', 'dispensing']);
    // The manufacturer sees what it did itself, not its customers' business after that.
    assert.deepEqual(await steps(mfr, pack), ['commissioning', 'packing', 'packing', 'shipping']);
    const second = await call(pha, 'POST', '/decommission', { scans: [pack], reason: 'dispensed' });
    assert.equal(second.status, 409, JSON.stringify(second.body));
    assert.equal(second.body.error.code, 'CONFLICT');
    assert.equal(second.body.answers[0].answer, 'decommissioned');
    assert.match(second.body.answers[0].alertId, /^al-[0-9a-f]{32}$/);
    await net.sync();
    const alerts = await call(mfr, 'GET', '/alerts');
    const alert = alerts.body.items.find((a: { alertId: string }) => a.alertId === second.body.answers[0].alertId);
    assert.deepEqual({ answer: alert.answer, reporter: alert.reporter }, { answer: 'decommissioned', reporter: 'pha' });
    assert.deepEqual((await call(pha, 'GET', '/alerts')).body.items, [], 'alerts are the manufacturer\'s');
  });

  test('a counterfeit serial is unknown, and the manufacturer sees the alert', async () => {
    const fake = await verify(pha, scanOf('FAKE0000000001'));
    assert.equal(fake.answer, 'unknown');
    assert.ok(fake.alertId);
    await net.sync();
    const alerts = await call(mfr, 'GET', '/alerts');
    assert.ok(alerts.body.items.some((a: { alertId: string; answer: string }) => a.alertId === fake.alertId && a.answer === 'unknown'));
  });

  test('a scan with the wrong lot is a mismatch', async () => {
    assert.equal((await verify(pha, scanOf(serials[1] as string, 'LQ7X2050'))).answer, 'mismatch');
  });

  test('a saleable return verifies at the wholesaler before resale', async () => {
    const back = await call(pha, 'POST', '/shipments', { to: 'whs', objects: [scanOf(serials[1] as string)] });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    await net.sync();
    assert.equal((await verify(whs, scanOf(serials[1] as string))).answer, 'verified');
    assert.equal((await call(whs, 'POST', `/shipments/${back.body.shipmentId}/receive`)).status, 200);
  });

  test('a recalled lot verifies as recalled', async () => {
    const recall = await call(mfr, 'POST', '/lots', { gtin: GTIN, lot: LOT, status: 'recalled' });
    assert.equal(recall.status, 200, JSON.stringify(recall.body));
    await net.sync();
    assert.equal((await verify(pha, scanOf(serials[100] as string))).answer, 'recalled');
    assert.equal((await verify(whs, scanOf(serials[500] as string))).answer, 'recalled');
  });

  test('EPCIS 2.0 capture: commissioning, packing and shipping at the manufacturer, receiving at the wholesaler', async () => {
    const T = { eventTime: new Date().toISOString(), eventTimeZoneOffset: '+00:00' };
    const epcisSerials = ['EPCSER01', 'EPCSER02', 'EPCSER03'];
    const sgtin = (serial: string) => `urn:epc:id:sgtin:9506000.013435.${serial}`;
    const box = sscc(5000);
    const ssccUrn = `urn:epc:id:sscc:9506000.${box[0]}${box.slice(8, 17)}`;
    const doc = (eventList: unknown[]) => ({
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0',
      creationDate: new Date().toISOString(), epcisBody: { eventList },
    });
    const captured = await call(mfr, 'POST', '/epcis/capture', doc([
      { type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', epcList: epcisSerials.map(sgtin), ilmd: { 'cbvmda:lotNumber': 'EPCLOT77', 'cbvmda:itemExpirationDate': '2028-12-31' }, ...T },
      { type: 'AggregationEvent', action: 'ADD', bizStep: 'packing', parentID: ssccUrn, childEPCs: epcisSerials.map(sgtin), ...T },
      { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'shipping', epcList: [ssccUrn], destinationList: [{ type: 'owning_party', destination: 'urn:careledger:org:whs' }], ...T },
    ]));
    assert.equal(captured.status, 200, JSON.stringify(captured.body));
    assert.deepEqual(captured.body.results.map((r: { kind: string }) => r.kind), ['commission', 'aggregate', 'ship']);
    await net.sync();
    const height = whs.opened.node.head.height;
    const malformed = await call(whs, 'POST', '/epcis/capture', doc([
      { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'receiving', epcList: [ssccUrn], ...T },
      { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'receiving', epcList: ['urn:epc:id:sgtin:9506000.013435'], ...T },
    ]));
    assert.equal(malformed.status, 400, JSON.stringify(malformed.body));
    assert.equal(malformed.body.error.field, 'epcisBody.eventList.1.epcList.0');
    assert.equal(whs.opened.node.head.height, height, 'a malformed document writes nothing');
    const received = await call(whs, 'POST', '/epcis/capture', doc([{ type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'receiving', epcList: [ssccUrn], ...T }]));
    assert.equal(received.status, 200, JSON.stringify(received.body));
    assert.equal(received.body.results[0].shipmentId, captured.body.results[2].shipmentId);
    assert.equal((await verify(whs, `]d2${formatElementString({ gtin: GTIN, expiry: EXPIRY, lot: 'EPCLOT77', serial: 'EPCSER02' })}`)).answer, 'verified');
  });

  test('bad scans, unknown AIs and wrong check digits get clear errors and write nothing', async () => {
    const height = pha.opened.node.head.height;
    const cases: Array<[unknown, string]> = [
      [{ scan: '(01)09506000134353(21)ABC' }, 'AI (01) GTIN'],
      [{ scan: '(01)09506000134352(99)ABC' }, 'scan'],
      [{ scan: '0109506000134352' }, 'scan'],
      [{ scan: 'https://id.gs1.org/01/09506000134352/21/A/10/B' }, 'AI (10) batch/lot'],
      [{ scan: 42 }, 'scan'],
      [{ scan: 'x', extra: 1 }, 'body'],
    ];
    for (const [payload, field] of cases) {
      const res = await call(pha, 'POST', '/verify', payload);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'MALFORMED');
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    }
    const badCommission = await call(mfr, 'POST', '/commission', { gtin: GTIN, lot: LOT, expiry: '281232', serials: ['A1'] });
    assert.equal(badCommission.status, 400);
    assert.equal(badCommission.body.error.field, 'AI (17) expiration date');
    assert.equal(pha.opened.node.head.height, height);
  });

  test('who may call: only this node\'s own members with a supply role', async () => {
    const anonymous = await fetch(`${pha.url}/supplychain/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scan":"x"}' });
    assert.equal(anonymous.status, 401);
    const foreign = await call(pha, 'POST', '/verify', { scan: scanOf(serials[2] as string) }, await whs.token());
    assert.equal(foreign.status, 401, 'a token of another node does not verify here');
    const auditor = await call(obs, 'POST', '/verify', { scan: scanOf(serials[2] as string) }, await obs.token('system/AuditEvent.rs'));
    assert.equal(auditor.status, 403);
    assert.equal(auditor.body.error.code, 'FORBIDDEN');
  });

  test('confidentiality: the fourth org\'s ledger files hold no serial, lot or GTIN in any encoding tried', async () => {
    await net.sync();
    assert.ok(obs.opened.node.head.height >= mfr.opened.node.head.height);
    const files = readdirSync(obs.dataDir).filter((f) => f.startsWith('ledger.sqlite'));
    assert.ok(files.includes('ledger.sqlite'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(obs.dataDir, f))));
    const haystacks = [bytes.toString('latin1'), bytes.toString('latin1').toLowerCase()];
    const secrets = [...serials, 'FAKE0000000001', 'EPCSER01', 'EPCSER02', 'EPCSER03', 'EPCLOT77', LOT, 'LQ7X2050', GTIN, GTIN.slice(1), PALLET, sscc(0), sscc(5000)];
    for (const secret of secrets) {
      for (const needle of encodings(secret)) {
        for (const hay of haystacks) assert.equal(hay.includes(needle), false, `found an encoding of a scenario identifier: ${needle.slice(0, 4)}...`);
      }
    }
    // The state holds what the design says: hashed ids and commitments under 'supplychain'.
    assert.ok(bytes.includes(Buffer.from('"commitment"')));
    // The partners' off-ledger EPCIS stores hold the events, encrypted: no identifier in clear there either.
    for (const p of [mfr, whs, pha]) {
      const store = readdirSync(p.dataDir).filter((f) => f.startsWith('supplychain.sqlite'));
      const text = Buffer.concat(store.map((f) => readFileSync(join(p.dataDir, f)))).toString('latin1');
      assert.ok(text.length > 0);
      for (const secret of [serials[0] as string, serials[5] as string, LOT, GTIN, 'id.gs1.org']) assert.equal(text.includes(secret), false, `${p.orgId} store holds an identifier in clear`);
    }
  });
});

/** Text, hex (both cases) and base64/base64url at every byte alignment (only the characters that depend on the value alone). */
function encodings(secret: string): string[] {
  const raw = Buffer.from(secret, 'utf8');
  const out = new Set([secret, secret.toLowerCase(), raw.toString('hex'), raw.toString('hex').toUpperCase(), Buffer.from(secret, 'utf16le').toString('latin1')]);
  for (let k = 0; k < 3; k++) {
    const padded = Buffer.concat([Buffer.alloc(k), raw]);
    const from = Math.ceil((8 * k) / 6);
    const to = Math.floor((8 * (k + raw.length)) / 6);
    for (const enc of ['base64', 'base64url'] as const) out.add(padded.toString(enc).slice(from, to));
  }
  return [...out].filter((s) => s.length >= 6);
}
