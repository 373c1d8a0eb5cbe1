// Unit tests of the supplychain contract through the in-memory harness:
// exact result codes for every rule, the custody walk through containers,
// the verification verdicts, and trading roles admitted by a real governance
// proposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryState, TEST_NETWORK, runAction, testKeyId, type RunResult } from '../../../test/helpers/contracts.js';
import { governanceContract } from '../governance/index.js';
import { alertsFor, inboundShipments, shipmentFor } from './queries.js';
import { getContainer, getLot, getPack, getProduct } from './keys.js';
import { supplychainContract } from './contract.js';
import { productIdOf, shipmentIdForTx } from './ids.js';
import {
  EXPIRY, GTIN, LOT, LOT_ID, MFR, NONE, OTHER_GTIN, PHA, PRODUCT, T0, WHS, World, commitment, member, node, pack, serial, sscc,
  MEMORY_SCAN,
} from '../../../test/helpers/supplychain-world.js';

const DATA = Buffer.alloc(32, 1).toString('base64url');
const code = (r: RunResult) => r.refusal?.code;

test('trading roles come from a governance proposal; until then an org may not act', () => {
  const state = new MemoryState();
  const hpke = Buffer.alloc(32, 7).toString('base64url');
  const org = (o: string) => ({ orgId: o, name: o, adminKeys: [testKeyId(`${o}/admin`)], nodeKeys: [testKeyId(`${o}/node`)], hpkePublicKey: hpke, endpoint: `https://${o}.example` });
  assert.equal(runAction(governanceContract, 'genesis', { networkId: TEST_NETWORK, orgs: [org('alpha'), org('beta')] }, { state, signer: testKeyId('alpha/admin') }).refusal, undefined);
  const register = () => runAction(supplychainContract, 'register-product', { product: PRODUCT, data: DATA }, { state, signer: testKeyId('alpha/node') });
  assert.equal(code(register()), 'UNAUTHORIZED');
  const propose = (payload: unknown) => runAction(governanceContract, 'propose', { kind: 'set-trading-roles', payload }, { state, signer: testKeyId('alpha/admin'), txId: 'a'.repeat(64) });
  assert.equal(code(runAction(governanceContract, 'propose', { kind: 'set-trading-roles', payload: { orgId: 'alpha', roles: ['pharmacy'] } }, { state, signer: testKeyId('alpha/admin') })), 'INVALID_ARGS');
  assert.equal(code(runAction(governanceContract, 'propose', { kind: 'set-trading-roles', payload: { orgId: 'gamma', roles: [] } }, { state, signer: testKeyId('alpha/admin') })), 'NOT_FOUND');
  const proposed = propose({ orgId: 'alpha', roles: ['manufacturer', 'dispenser'] });
  assert.equal(proposed.refusal, undefined);
  // Two orgs: a majority is both of them.
  assert.equal(code(register()), 'UNAUTHORIZED');
  const proposalId = (proposed.events[0]?.data['proposalId'] as string);
  const approved = runAction(governanceContract, 'approve', { proposalId }, { state, signer: testKeyId('beta/admin') });
  assert.equal(approved.refusal, undefined);
  assert.deepEqual(approved.events.map((e) => e.type), ['proposal-approved', 'trading-roles-set', 'proposal-executed']);
  assert.deepEqual((state.get('governance', 'org/alpha') as { tradingRoles: string[] }).tradingRoles, ['manufacturer', 'dispenser']);
  assert.equal(register().refusal, undefined);
  assert.deepEqual(getProduct(state, PRODUCT), { manufacturer: 'alpha', data: DATA, since: state.txCount });
});

test('who may sign: node keys and supply-role members of active trading partners', () => {
  const w = new World();
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, NONE)), 'UNAUTHORIZED');
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, WHS)), 'UNAUTHORIZED');
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, testKeyId(`${MFR}/admin`))), 'UNAUTHORIZED');
  w.state.put('keys', testKeyId('mfr/dr'), { kind: 'member', org: MFR, owner: 'dr', roles: ['practitioner'], status: 'active', since: 1 });
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, testKeyId('mfr/dr'))), 'UNAUTHORIZED');
  w.setOrg(MFR, { status: 'removed' });
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, MFR)), 'UNAUTHORIZED');
  w.setOrg(MFR, { status: 'active' });
  assert.equal(w.run('register-product', { product: PRODUCT, data: DATA }, member(MFR)).refusal, undefined);
  assert.equal(code(w.run('register-product', { product: PRODUCT, data: DATA }, MFR)), 'ALREADY_EXISTS');
});

test('commission: hashed ids only, the product owner only, no pack twice, at most 1,000 per transaction', () => {
  const w = new World();
  const packs = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => [pack(from + k), commitment(from + k)]);
  assert.equal(code(w.run('commission', { product: PRODUCT, packs: packs(0, 1) }, MFR)), 'NOT_FOUND');
  w.ok('register-product', { product: PRODUCT, data: DATA }, MFR);
  w.state.put('governance', `org/${WHS}`, { orgId: WHS, status: 'active', tradingRoles: ['wholesaler', 'repackager'] });
  assert.equal(code(w.run('commission', { product: PRODUCT, packs: packs(0, 1) }, WHS)), 'UNAUTHORIZED');
  assert.equal(code(w.run('commission', { product: GTIN, packs: packs(0, 1) }, MFR)), 'INVALID_ARGS');
  assert.equal(code(w.run('commission', { product: PRODUCT, packs: [[serial(1), commitment(1)]] }, MFR)), 'INVALID_ARGS');
  assert.equal(code(w.run('commission', { product: PRODUCT, packs: [...packs(0, 2), [pack(0), commitment(0)]] }, MFR)), 'INVALID_ARGS');
  assert.equal(code(w.run('commission', { product: PRODUCT, packs: packs(0, 1001) }, MFR)), 'INVALID_ARGS');
  const r = w.run('commission', { product: PRODUCT, packs: packs(0, 1000) }, MFR);
  assert.equal(r.refusal, undefined);
  assert.equal(r.writes.length, 1000);
  assert.deepEqual(r.events, [{ contract: 'supplychain', type: 'commissioned', data: { count: 1000 } }]);
  assert.deepEqual(getPack(w.state, pack(7)), { custodian: MFR, manufacturer: MFR, commitment: commitment(7), status: 'active', since: w.state.txCount });
  const again = w.run('commission', { product: PRODUCT, packs: packs(999, 1001) }, MFR);
  assert.deepEqual(again.refusal, { code: 'ALREADY_EXISTS', detail: 'packs.0 is already commissioned' });
  assert.equal(getPack(w.state, pack(1000)), undefined);
  // Nothing in clear: no GTIN, serial, lot or expiry anywhere in state.
  const all = JSON.stringify(w.state.list('supplychain'));
  for (const secret of [GTIN, serial(7), LOT, EXPIRY]) assert.equal(all.includes(secret), false, secret);
});

test('aggregation: cases into a pallet; custody and shipment follow the outermost container', () => {
  const w = new World();
  w.commission(0, 6);
  const [c1, c2, pallet] = [sscc(1), sscc(2), sscc(3)];
  w.ok('aggregate', { container: c1, children: [pack(0), pack(1), pack(2)] }, MFR);
  assert.equal(code(w.run('aggregate', { container: c2, children: [pack(2)] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('aggregate', { container: c2, children: [c2] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('aggregate', { container: pack(5), children: [pack(4)] }, MFR)), 'ALREADY_EXISTS');
  assert.equal(code(w.run('aggregate', { container: c2, children: [pack(99)] }, MFR)), 'NOT_FOUND');
  w.ok('aggregate', { container: c2, children: [pack(3), pack(4)] }, MFR);
  w.ok('aggregate', { container: pallet, children: [c1, c2] }, MFR);
  assert.equal(code(w.run('aggregate', { container: c1, children: [pack(5)] }, MFR)), 'RULE_VIOLATION');
  assert.deepEqual(getContainer(w.state, pallet)?.children, [c1, c2]);
  assert.equal(code(w.run('ship', { to: WHS, objects: [c1] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('ship', { to: WHS, objects: [pack(0)] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('aggregate', { container: sscc(4), children: [pack(5)] }, WHS)), 'UNAUTHORIZED');
  const shipment = w.ship(MFR, WHS, [pallet]);
  assert.equal(w.verify(0, WHS), 'verified', 'in transit to the caller');
  assert.equal(w.verify(0, PHA), 'not-in-custody');
  assert.equal(code(w.run('disaggregate', { container: pallet }, MFR)), 'CONFLICT');
  w.ok('receive', { shipment }, WHS);
  assert.equal(w.verify(4, WHS), 'verified');
  assert.equal(w.verify(4, MFR), 'not-in-custody');
  assert.equal(code(w.run('disaggregate', { container: c2, children: [pack(0)] }, WHS)), 'RULE_VIOLATION');
  assert.equal(code(w.run('disaggregate', { container: pallet }, MFR)), 'UNAUTHORIZED');
  w.ok('disaggregate', { container: pallet }, WHS);
  w.ok('disaggregate', { container: c2, children: [pack(4)] }, WHS);
  assert.deepEqual(getPack(w.state, pack(4))?.custodian, WHS);
  assert.equal(getPack(w.state, pack(4))?.parent, undefined);
  assert.deepEqual(getContainer(w.state, c2)?.children, [pack(3)]);
  assert.equal(getContainer(w.state, c2)?.custodian, WHS);
  assert.equal(w.verify(3, WHS), 'verified');
});

test('shipping is a two-party transfer: only the holder ships, only the receiver receives, once', () => {
  const w = new World();
  w.commission(0, 3);
  assert.equal(code(w.run('ship', { to: PHA, objects: [pack(0)] }, WHS)), 'UNAUTHORIZED');
  assert.equal(code(w.run('ship', { to: MFR, objects: [pack(0)] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('ship', { to: NONE, objects: [pack(0)] }, MFR)), 'RULE_VIOLATION');
  assert.equal(code(w.run('ship', { to: 'nobody', objects: [pack(0)] }, MFR)), 'RULE_VIOLATION');
  const epcis = Buffer.alloc(32, 3).toString('base64url');
  const txId = w.ok('ship', { to: WHS, objects: [pack(0), pack(1)], epcis }, MFR);
  const shipment = shipmentIdForTx(txId);
  assert.equal(code(w.run('ship', { to: PHA, objects: [pack(0)] }, MFR)), 'CONFLICT');
  assert.deepEqual(inboundShipments(MEMORY_SCAN(w.state), WHS, 10).items, [{ shipmentId: shipment, from: MFR, at: T0 }]);
  assert.equal(shipmentFor(w.state, shipment, PHA), undefined);
  assert.deepEqual(shipmentFor(w.state, shipment, MFR), { from: MFR, to: WHS, objects: [pack(0), pack(1)], status: 'in-transit', epcis, shippedAt: T0 });
  assert.equal(code(w.run('receive', { shipment }, PHA)), 'UNAUTHORIZED');
  assert.equal(code(w.run('receive', { shipment: 'sh-' + '0'.repeat(32) }, WHS)), 'NOT_FOUND');
  assert.equal(w.custodianOf(0), MFR);
  w.ok('receive', { shipment }, WHS);
  assert.equal(code(w.run('receive', { shipment }, WHS)), 'CONFLICT');
  assert.equal(w.custodianOf(0), WHS);
  assert.equal(w.custodianOf(2), MFR);
  assert.equal(getPack(w.state, pack(0))?.shipment, undefined);
  assert.equal(w.shipment(shipment)?.status, 'received');
  assert.deepEqual(inboundShipments(MEMORY_SCAN(w.state), WHS, 10).items, []);
  assert.equal(code(w.run('ship', { to: PHA, objects: [pack(0)] }, MFR)), 'UNAUTHORIZED');
});

test('dispensing: only a dispenser, only held loose packs, never twice', () => {
  const w = new World();
  w.commission(0, 4);
  w.ok('aggregate', { container: sscc(1), children: [pack(3)] }, MFR);
  w.transfer(MFR, WHS, [pack(0), pack(1), sscc(1)]);
  assert.equal(code(w.run('decommission', { packs: [pack(0)], reason: 'dispensed' }, WHS)), 'UNAUTHORIZED');
  w.transfer(WHS, PHA, [pack(0), sscc(1)]);
  assert.equal(code(w.run('decommission', { packs: [pack(1)], reason: 'dispensed' }, PHA)), 'UNAUTHORIZED');
  assert.equal(code(w.run('decommission', { packs: [pack(3)], reason: 'dispensed' }, PHA)), 'RULE_VIOLATION');
  assert.equal(code(w.run('decommission', { packs: [pack(0)], reason: 'sold' }, PHA)), 'INVALID_ARGS');
  assert.equal(w.verify(0, PHA), 'verified');
  w.ok('decommission', { packs: [pack(0)], reason: 'dispensed' }, member(PHA));
  assert.deepEqual(getPack(w.state, pack(0)), { custodian: PHA, manufacturer: MFR, commitment: commitment(0), status: 'decommissioned', reason: 'dispensed', since: 2 });
  assert.deepEqual(w.run('decommission', { packs: [pack(0)], reason: 'dispensed' }, PHA).refusal, { code: 'CONFLICT', detail: 'packs.0 is already decommissioned' });
  assert.equal(w.verify(0, PHA), 'decommissioned');
  assert.equal(code(w.run('ship', { to: WHS, objects: [pack(0)] }, PHA)), 'CONFLICT');
  w.ok('decommission', { packs: [pack(1)], reason: 'destroyed' }, WHS);
  assert.equal(w.verify(1, WHS), 'decommissioned');
});

test('lot recall and quarantine: the manufacturer only; a recall is final, a quarantine can be released', () => {
  const w = new World();
  w.commission(0, 2);
  const lot = (status: string) => ({ product: PRODUCT, lot: LOT_ID, status });
  assert.equal(code(w.run('set-lot-status', lot('recalled'), WHS)), 'UNAUTHORIZED');
  assert.equal(code(w.run('set-lot-status', { ...lot('recalled'), product: productIdOf(OTHER_GTIN) }, MFR)), 'NOT_FOUND');
  assert.equal(code(w.run('set-lot-status', lot('released'), MFR)), 'CONFLICT');
  w.ok('set-lot-status', lot('quarantined'), MFR);
  assert.equal(w.verify(0, MFR), 'quarantined');
  w.ok('set-lot-status', lot('released'), MFR);
  assert.equal(w.verify(0, MFR), 'verified');
  w.ok('set-lot-status', lot('recalled'), MFR);
  assert.deepEqual(getLot(w.state, LOT_ID), { product: PRODUCT, status: 'recalled', at: T0 });
  assert.equal(w.verify(0, MFR), 'recalled');
  assert.equal(w.verify(1, WHS), 'recalled', 'a recall is no secret from whoever holds the pack');
  assert.equal(code(w.run('set-lot-status', lot('released'), MFR)), 'CONFLICT');
  assert.equal(code(w.run('set-lot-status', lot('quarantined'), MFR)), 'CONFLICT');
  assert.equal(w.verify(0, MFR, { lot: 'OTHERLOT' }), 'mismatch');
});

test('suspect product: quarantined at the holder, cleared or confirmed illegitimate, then only destroyed', () => {
  const w = new World();
  w.commission(0, 3);
  w.transfer(MFR, WHS, [pack(0), pack(1), pack(2)]);
  assert.equal(code(w.run('flag-suspect', { packs: [pack(0)] }, PHA)), 'UNAUTHORIZED');
  w.ok('flag-suspect', { packs: [pack(0), pack(1)] }, WHS);
  assert.equal(code(w.run('flag-suspect', { packs: [pack(0)] }, MFR)), 'CONFLICT');
  assert.equal(w.verify(0, WHS), 'suspect');
  assert.equal(code(w.run('ship', { to: PHA, objects: [pack(0)] }, WHS)), 'RULE_VIOLATION');
  assert.equal(code(w.run('resolve-suspect', { packs: [pack(2)], outcome: 'cleared' }, MFR)), 'CONFLICT');
  assert.equal(code(w.run('resolve-suspect', { packs: [pack(0)], outcome: 'cleared' }, PHA)), 'UNAUTHORIZED');
  w.ok('resolve-suspect', { packs: [pack(1)], outcome: 'cleared' }, MFR);
  assert.equal(w.verify(1, WHS), 'verified');
  const r = w.run('resolve-suspect', { packs: [pack(0)], outcome: 'illegitimate' }, MFR);
  assert.deepEqual(r.events, [{ contract: 'supplychain', type: 'illegitimate-product', data: { count: 1 } }]);
  assert.equal(w.verify(0, WHS), 'suspect');
  assert.equal(code(w.run('decommission', { packs: [pack(0)], reason: 'exported' }, WHS)), 'RULE_VIOLATION');
  w.ok('decommission', { packs: [pack(0)], reason: 'destroyed' }, WHS);
  assert.equal(w.verify(0, WHS), 'decommissioned');
});

test('verdicts: unknown serial, lot or expiry mismatch, expired, not in custody', () => {
  const w = new World();
  w.commission(0, 2);
  assert.equal(w.verify(0, MFR), 'verified');
  assert.equal(w.verify(5, MFR), 'unknown');
  assert.equal(w.verify(0, MFR, { gtin: OTHER_GTIN }), 'unknown');
  assert.equal(w.verify(0, MFR, { lot: 'A1B2C4' }), 'mismatch');
  assert.equal(w.verify(0, MFR, { expiry: '281230' }), 'mismatch');
  assert.equal(w.verify(0, MFR, { today: '2029-01-01' }), 'expired');
  assert.equal(w.verify(0, MFR, { today: '2028-12-31' }), 'verified');
  assert.equal(w.verify(0, WHS), 'not-in-custody');
});

test('alerts are filed under the manufacturer of the product, whoever reports them', () => {
  const w = new World();
  w.commission(0, 1);
  const counterfeit = pack(777);
  assert.equal(code(w.run('report-alerts', { alerts: [{ product: productIdOf(OTHER_GTIN), answer: 'unknown' }] }, PHA)), 'NOT_FOUND');
  assert.equal(code(w.run('report-alerts', { alerts: [{ product: PRODUCT, answer: 'fake' }] }, PHA)), 'INVALID_ARGS');
  assert.equal(code(w.run('report-alerts', { alerts: [{ product: PRODUCT, answer: 'unknown' }] }, NONE)), 'UNAUTHORIZED');
  w.ok('report-alerts', { alerts: [{ product: PRODUCT, pack: counterfeit, answer: 'unknown' }, { product: PRODUCT, answer: 'expired' }] }, PHA);
  const page = alertsFor(MEMORY_SCAN(w.state), MFR, 10);
  assert.equal(page.items.length, 2);
  assert.deepEqual(
    page.items.map(({ alertId, ...rest }) => [alertId.length, rest]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [
      [35, { answer: 'expired', product: PRODUCT, reporter: PHA, at: T0 }],
      [35, { answer: 'unknown', product: PRODUCT, pack: counterfeit, reporter: PHA, at: T0 }],
    ],
  );
  assert.deepEqual(alertsFor(MEMORY_SCAN(w.state), WHS, 10).items, []);
  assert.equal(alertsFor(MEMORY_SCAN(w.state), MFR, 1).next, page.items[0]?.alertId);
  assert.equal(node(MFR).startsWith('ed25519:'), true);
});
