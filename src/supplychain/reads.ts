// The supply chain's read use cases for one trading partner: its alerts (as
// a manufacturer), its inbound shipments, a shipment it is party to. Another
// partner's shipment answers like an unknown one (no existence oracle).
import { CareLedgerError } from '../errors/index.js';
import { alertsFor, inboundShipments, shipmentFor, type AlertRecord, type Page, type ShipmentRecord } from '../contracts/supplychain/index.js';
import type { SupplyContext } from './ledger.js';

export function listAlerts(ctx: SupplyContext, page: { limit: number; after?: string | undefined }): Page<AlertRecord & { alertId: string }> {
  return alertsFor(ctx.ledger.scan, ctx.orgId, page.limit, page.after);
}

export function listInbound(ctx: SupplyContext, page: { limit: number; after?: string | undefined }): Page<{ shipmentId: string; from: string; at: string }> {
  return inboundShipments(ctx.ledger.scan, ctx.orgId, page.limit, page.after);
}

export function getShipmentFor(ctx: SupplyContext, shipmentId: string): ShipmentRecord & { shipmentId: string } {
  const shipment = shipmentFor(ctx.ledger.state, shipmentId, ctx.orgId);
  if (shipment === undefined) throw new CareLedgerError('NOT_FOUND', 'no such shipment');
  return { ...shipment, shipmentId };
}
