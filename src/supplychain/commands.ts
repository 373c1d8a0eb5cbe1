// The supply chain's write use cases for one trading partner: register a
// product, commission packs, aggregate and disaggregate, ship and receive,
// decommission (dispensing verifies first), change a lot's status, flag and
// resolve suspect product. Input is checked with gs1.ts (errors name the AI)
// before anything is signed; what is submitted holds hashed ids only.

import { canonicalBytes } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import {
  MAX_COMMISSION,
  containerIdOf,
  lotExpiryCommitmentOf,
  lotIdOf,
  packIdOf,
  productDataCommitmentOf,
  productIdOf,
  shipmentIdForTx,
  getShipment,
  type DecommissionReason,
} from '../contracts/supplychain/index.js';
import { SEALED_EPCIS_TYPE, sealShipmentEpcis, type SealedShipmentEpcis } from './epcis-bundle.js';
import {
  aggregationEvent,
  commissioningEvent,
  decommissionEvent,
  epcOfElements,
  epcOfScan,
  receivingEvent,
  recordEvents,
  shippingEvent,
  withDescendants,
} from './epcis-events.js';
import { checkElements } from './gs1.js';
import { objectIdOf } from './identifiers.js';
import type { ProductInput, CommissionInput } from './inputs.js';
import { submitActions, type SupplyContext } from './ledger.js';
import { verifyScans, type VerifyOutcome } from './verify.js';

/** Registers a product; the master data stays with the caller, the ledger gets its commitment. */
export async function registerProduct(ctx: SupplyContext, input: ProductInput): Promise<{ productId: string }> {
  checkElements({ gtin: input.gtin });
  const productId = productIdOf(input.gtin);
  const data = productDataCommitmentOf(input.gtin, canonicalBytes(input));
  await submitActions(ctx, [{ action: 'register-product', args: { product: productId, data } }]);
  return { productId };
}

/** Commissions serials of one lot, MAX_COMMISSION per transaction, all in one ordered batch. */
export async function commission(ctx: SupplyContext, input: CommissionInput): Promise<{ commissioned: number; transactions: number }> {
  checkElements({ gtin: input.gtin, lot: input.lot, expiry: input.expiry });
  input.serials.forEach((serial, i) => {
    try {
      checkElements({ serial });
    } catch (e) {
      if (e instanceof CareLedgerError) throw new CareLedgerError('MALFORMED', `serials.${i}: ${e.message}`, { field: `serials.${i}` });
      throw e;
    }
  });
  const product = productIdOf(input.gtin);
  const actions = [];
  for (let at = 0; at < input.serials.length; at += MAX_COMMISSION) {
    const packs = input.serials
      .slice(at, at + MAX_COMMISSION)
      .map((serial) => [packIdOf(input.gtin, serial), lotExpiryCommitmentOf(input.gtin, serial, input.lot, input.expiry)]);
    actions.push({ action: 'commission', args: { product, packs } });
  }
  await submitActions(ctx, actions);
  recordEvents(ctx, [{ event: commissioningEvent(ctx, input), ids: input.serials.map((serial) => packIdOf(input.gtin, serial)) }]);
  return { commissioned: input.serials.length, transactions: actions.length };
}

const ids = (scans: readonly string[], field: string): string[] => scans.map((s, i) => objectIdOf(s, `${field}.${i}`));
const epcsOf = (scans: readonly string[], field: string) => scans.map((s, i) => epcOfScan(s, `${field}.${i}`));

function ssccId(sscc: string): string {
  checkElements({ sscc });
  return containerIdOf(sscc);
}

export async function aggregate(ctx: SupplyContext, input: { sscc: string; children: string[] }): Promise<{ aggregated: number }> {
  const container = ssccId(input.sscc);
  const children = epcsOf(input.children, 'children');
  await submitActions(ctx, [{ action: 'aggregate', args: { container, children: children.map((c) => c.id) } }]);
  const event = aggregationEvent(ctx, 'ADD', epcOfElements({ sscc: input.sscc }), children.map((c) => c.epc));
  recordEvents(ctx, [{ event, ids: [container] }]);
  return { aggregated: input.children.length };
}

export async function disaggregate(ctx: SupplyContext, input: { sscc: string; children?: string[] | undefined }): Promise<{ ok: true }> {
  const container = ssccId(input.sscc);
  const children = input.children === undefined ? undefined : epcsOf(input.children, 'children');
  const args = children === undefined ? { container } : { container, children: children.map((c) => c.id) };
  // What the container held before: the unpacking is found under each of them.
  const held = withDescendants(ctx.ledger.state, [container]);
  await submitActions(ctx, [{ action: 'disaggregate', args }]);
  const event = aggregationEvent(ctx, 'DELETE', epcOfElements({ sscc: input.sscc }), (children ?? []).map((c) => c.epc));
  recordEvents(ctx, [{ event, ids: [container], extra: children === undefined ? held : withDescendants(ctx.ledger.state, args.children ?? []) }]);
  return { ok: true };
}

export interface ShipResult {
  shipmentId: string;
  /** The shipment's EPCIS data sealed to the receiver, when this node keeps EPCIS data (epcis-bundle.ts). */
  sealed?: SealedShipmentEpcis;
}

/**
 * Ships scanned objects to another partner. With EPCIS data at this node and
 * a receiver with a registered HPKE key, the shipment carries the commitment
 * to its sealed EPCIS bundle, returned for delivery to the receiver.
 */
export async function ship(ctx: SupplyContext, input: { to: string; objects: string[]; epcis?: string | undefined }): Promise<ShipResult> {
  const objects = epcsOf(input.objects, 'objects');
  const event = shippingEvent(ctx, input.to, objects.map((o) => o.epc));
  const objectIds = objects.map((o) => o.id);
  const bundle = input.epcis === undefined ? sealShipmentEpcis(ctx, input.to, objectIds, event) : undefined;
  const epcis = input.epcis ?? bundle?.commitment;
  const args = { to: input.to, objects: objectIds, ...(epcis === undefined ? {} : { epcis }) };
  const [result] = await submitActions(ctx, [{ action: 'ship', args }]);
  const shipmentId = shipmentIdForTx(result?.txId ?? '');
  recordEvents(ctx, [{ event, ids: objectIds, shipment: shipmentId }]);
  if (bundle === undefined) return { shipmentId };
  return { shipmentId, sealed: { type: SEALED_EPCIS_TYPE, shipment: shipmentId, enc: bundle.enc, ciphertext: bundle.ciphertext } };
}

/** Confirms receipt; with the shipment's EPCIS bundle at hand, records the receiving of the objects it named. */
export async function receive(ctx: SupplyContext, input: { shipment: string }): Promise<{ ok: true }> {
  await submitActions(ctx, [{ action: 'receive', args: { shipment: input.shipment } }]);
  const shipped = ctx.epcis?.store.eventsOf([input.shipment], 10).findLast((e) => e.bizStep === 'shipping');
  const shipment = getShipment(ctx.ledger.state, input.shipment);
  if (shipped?.epcList !== undefined && shipment !== undefined) {
    // The bundle's shipping event was checked against the shipment's objects when it was accepted.
    recordEvents(ctx, [{ event: receivingEvent(ctx, shipment.from, shipped.epcList), ids: shipment.objects }]);
  }
  return { ok: true };
}

export type DecommissionOutcome = { decommissioned: number } | { decommissioned: 0; refused: VerifyOutcome[] };

/**
 * Decommissions scanned packs. Dispensing verifies every pack first (EU FMD
 * "verify and decommission"): if any answer is not 'verified', nothing is
 * decommissioned, each failure is recorded as an alert for its
 * manufacturer, and the answers come back.
 */
export async function decommission(ctx: SupplyContext, input: { scans: string[]; reason: DecommissionReason }): Promise<DecommissionOutcome> {
  const packs = ids(input.scans, 'scans');
  if (input.reason === 'dispensed') {
    const outcomes = await verifyScans(ctx, input.scans);
    if (outcomes.some((o) => o.answer !== 'verified')) return { decommissioned: 0, refused: outcomes };
  }
  await submitActions(ctx, [{ action: 'decommission', args: { packs, reason: input.reason } }]);
  recordEvents(ctx, [{ event: decommissionEvent(ctx, input.reason, epcsOf(input.scans, 'scans').map((o) => o.epc)), ids: packs }]);
  return { decommissioned: packs.length };
}

/** Recalls, quarantines or releases a lot of one of the caller's products. */
export async function setLotStatus(ctx: SupplyContext, input: { gtin: string; lot: string; status: 'recalled' | 'quarantined' | 'released' }): Promise<{ ok: true }> {
  checkElements({ gtin: input.gtin, lot: input.lot });
  await submitActions(ctx, [{ action: 'set-lot-status', args: { product: productIdOf(input.gtin), lot: lotIdOf(input.gtin, input.lot), status: input.status } }]);
  return { ok: true };
}

export async function flagSuspect(ctx: SupplyContext, input: { scans: string[] }): Promise<{ ok: true }> {
  await submitActions(ctx, [{ action: 'flag-suspect', args: { packs: ids(input.scans, 'scans') } }]);
  return { ok: true };
}

export async function resolveSuspect(ctx: SupplyContext, input: { scans: string[]; outcome: 'cleared' | 'illegitimate' }): Promise<{ ok: true }> {
  await submitActions(ctx, [{ action: 'resolve-suspect', args: { packs: ids(input.scans, 'scans'), outcome: input.outcome } }]);
  return { ok: true };
}

