// HTTP-free reads of supply-chain state for services and doors: the
// verification verdict on a scanned pack, a manufacturer's alerts, a
// receiver's open inbound shipments and a party's view of a shipment. Reads
// take a StateReader and, for lists, a scan function (the ledger port's).
import type { JsonValue, StateReader } from '../../ledger/contract.js';
import type { StateRow } from '../../ledger/port.js';
import {
  SUPPLYCHAIN_NAMESPACE,
  alertPrefix,
  getLot,
  getPack,
  getProduct,
  getShipment,
  inboundPrefix,
  rootOf,
  type AlertAnswer,
  type AlertRecord,
  type ShipmentRecord,
} from './keys.js';

/** Committed state rows whose key starts with `prefix`, in key order, after `afterKey` if given. */
export type StateScan = (namespace: string, prefix: string, limit: number, afterKey?: string) => StateRow[];

export type VerifyAnswer = 'verified' | AlertAnswer;

/** What the verifier derived from a scan (ids.ts), never the clear identifiers. */
export interface PackProbe {
  packId: string;
  productId: string;
  /** lotIdOf(GTIN, lot), when the scan carried a lot. */
  lotId?: string | undefined;
  /** lotExpiryCommitmentOf(...), when the scan carried both lot and expiry. */
  commitment?: string | undefined;
  /** Expiry as YYYY-MM-DD, when scanned (checked against the commitment first). */
  expiry?: string | undefined;
  /** The verifying organisation. */
  caller: string;
  /** Today as YYYY-MM-DD. */
  today: string;
}

export interface Verdict {
  answer: VerifyAnswer;
  /** Who an alert goes to: the product's manufacturer (undefined for an unknown product). */
  manufacturer: string | undefined;
}

/**
 * The verification answer for a scanned pack (EU FMD / DSCSA VRS), checked in
 * this order: unknown serial, lot or expiry mismatch, already decommissioned
 * (dispensed included), expired, recalled or quarantined lot, suspect or
 * illegitimate pack, not in the caller's custody (a shipment on its way to
 * the caller counts as the caller's: a saleable return is verified before it
 * is received). Nothing here names another partner.
 */
export function verdictOf(reader: StateReader, probe: PackProbe): Verdict {
  const pack = getPack(reader, probe.packId);
  if (pack === undefined) return { answer: 'unknown', manufacturer: getProduct(reader, probe.productId)?.manufacturer };
  const answer = (a: VerifyAnswer): Verdict => ({ answer: a, manufacturer: pack.manufacturer });
  if (probe.commitment !== undefined && probe.commitment !== pack.commitment) return answer('mismatch');
  if (pack.status === 'decommissioned') return answer('decommissioned');
  if (probe.expiry !== undefined && probe.expiry < probe.today) return answer('expired');
  const lot = probe.lotId === undefined ? undefined : getLot(reader, probe.lotId);
  if (lot?.status === 'recalled') return answer('recalled');
  if (lot?.status === 'quarantined') return answer('quarantined');
  if (pack.status !== 'active') return answer('suspect');
  const root = rootOf(reader, { kind: 'pack', id: probe.packId, record: pack }).record;
  if (root.shipment === undefined) return answer(root.custodian === probe.caller ? 'verified' : 'not-in-custody');
  const shipment = getShipment(reader, root.shipment);
  return answer(root.custodian === probe.caller || shipment?.to === probe.caller ? 'verified' : 'not-in-custody');
}

export interface Page<T> {
  items: T[];
  /** The `after` of the next page, null on the last. */
  next: string | null;
}

function page<T>(scan: StateScan, prefix: string, limit: number, after: string | undefined, map: (id: string, value: JsonValue) => T): Page<T> {
  const rows = scan(SUPPLYCHAIN_NAMESPACE, prefix, limit, after === undefined ? undefined : prefix + after);
  const items = rows.map((r) => map(r.key.slice(prefix.length), r.value));
  const last = rows.at(-1);
  return { items, next: rows.length === limit && last !== undefined ? last.key.slice(prefix.length) : null };
}

/** A manufacturer's alerts in alert-id order. */
export function alertsFor(scan: StateScan, manufacturer: string, limit: number, after?: string): Page<AlertRecord & { alertId: string }> {
  return page(scan, alertPrefix(manufacturer), limit, after, (alertId, value) => ({ ...(value as AlertRecord), alertId }));
}

/** A receiver's shipments still in transit to it. */
export function inboundShipments(scan: StateScan, orgId: string, limit: number, after?: string): Page<{ shipmentId: string; from: string; at: string }> {
  return page(scan, inboundPrefix(orgId), limit, after, (shipmentId, value) => ({ ...(value as { from: string; at: string }), shipmentId }));
}

/** A shipment as its sender or receiver sees it; undefined for anyone else, as for an unknown id. */
export function shipmentFor(reader: StateReader, shipmentId: string, orgId: string): ShipmentRecord | undefined {
  const shipment = getShipment(reader, shipmentId);
  return shipment !== undefined && (shipment.from === orgId || shipment.to === orgId) ? shipment : undefined;
}
