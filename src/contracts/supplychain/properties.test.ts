// Property tests of the supplychain contract (fast-check): random sequences
// of aggregation, shipping, receiving, unpacking and decommissioning by
// random partners keep custody exclusive (at most the holder and the
// receiver of an open shipment verify a pack), keep container links
// consistent both ways, and never bring a decommissioned pack back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getContainer, getHeld, getPack, getShipment } from './keys.js';
import { shipmentIdForTx } from './ids.js';
import { MFR, ORGS, PHA, WHS, World, pack, sscc } from '../../../test/helpers/supplychain-world.js';

const PACKS = 6;
const PARTIES = [MFR, WHS, PHA];
const objectIds = [...Array.from({ length: PACKS }, (_, i) => pack(i)), sscc(1), sscc(2)];

const party = fc.constantFrom(...PARTIES);
const object = fc.constantFrom(...objectIds);
const op = fc.oneof(
  fc.record({ kind: fc.constant('aggregate' as const), by: party, container: fc.constantFrom(sscc(1), sscc(2)), children: fc.uniqueArray(object, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('disaggregate' as const), by: party, container: fc.constantFrom(sscc(1), sscc(2)) }),
  fc.record({ kind: fc.constant('ship' as const), by: party, to: fc.constantFrom(...Object.keys(ORGS)), objects: fc.uniqueArray(object, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('receive' as const), by: party, pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('decommission' as const), by: party, packs: fc.uniqueArray(fc.nat(PACKS - 1), { minLength: 1, maxLength: 2 }), reason: fc.constantFrom('dispensed', 'destroyed', 'stolen') }),
);

test('custody stays exclusive, container links stay consistent, decommissioning is final', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const w = new World();
      w.commission(0, PACKS);
      const shipments: string[] = [];
      const retired = new Set<number>();
      for (const o of ops) {
        switch (o.kind) {
          case 'aggregate':
            w.run('aggregate', { container: o.container, children: o.children }, o.by);
            break;
          case 'disaggregate':
            w.run('disaggregate', { container: o.container }, o.by);
            break;
          case 'ship': {
            const r = w.run('ship', { to: o.to, objects: o.objects }, o.by);
            if (r.refusal === undefined) shipments.push(shipmentIdForTx(r.txId));
            break;
          }
          case 'receive':
            if (shipments.length > 0) w.run('receive', { shipment: shipments[o.pick % shipments.length] }, o.by);
            break;
          case 'decommission':
            w.run('decommission', { packs: o.packs.map((i) => pack(i)), reason: o.reason }, o.by);
            break;
        }
        for (let i = 0; i < PACKS; i++) {
          const p = getPack(w.state, pack(i));
          assert.ok(p);
          if (retired.has(i)) assert.equal(p.status, 'decommissioned');
          if (p.status === 'decommissioned') retired.add(i);
          const verified = Object.keys(ORGS).filter((org) => w.verify(i, org) === 'verified');
          assert.ok(verified.length <= 2, `pack ${i} verifies for ${verified.join(',')}`);
          if (verified.length === 2) assert.ok(shipments.some((s) => getShipment(w.state, s)?.status === 'in-transit'));
        }
        for (const id of objectIds) {
          const held = getHeld(w.state, id);
          if (held?.record.parent !== undefined) assert.ok(getContainer(w.state, held.record.parent)?.children.includes(id), 'child listed by its parent');
          if (held?.kind === 'container') for (const child of held.record.children) assert.equal(getHeld(w.state, child)?.record.parent, id, 'parent named by its child');
        }
      }
    }),
    { numRuns: 150 },
  );
});
