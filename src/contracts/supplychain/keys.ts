// The supplychain contract's state vocabulary (namespace 'supplychain'): key
// builders, record shapes and typed readers. Nothing outside this contract
// spells these keys. Every key and value holds hashed ids, commitments, org
// ids, statuses and block times only (ids.ts): no GTIN, serial, lot, expiry
// or SSCC in clear.
//
// Layout:
//   product/<productId>            ProductRecord
//   pack/<packId>                  PackRecord
//   container/<containerId>        ContainerRecord (case, pallet: an SSCC)
//   lot/<lotId>                    LotRecord (only recalled or quarantined lots)
//   shipment/<shipmentId>          ShipmentRecord
//   inbound/<toOrg>/<shipmentId>   index of a receiver's shipments
//   alert/<manufacturer>/<alertId> AlertRecord (failed verifications)
import type { JsonValue, StateAccess, StateReader } from '../../ledger/contract.js';
import { getOrg } from '../governance/keys.js';
import { TRADING_ROLES, TRADING_ROLES_FIELD, type TradingRole } from '../trading-roles.js';

export const SUPPLYCHAIN_NAMESPACE = 'supplychain';

export const productKey = (productId: string): string => `product/${productId}`;
export const packKey = (packId: string): string => `pack/${packId}`;
export const containerKey = (containerId: string): string => `container/${containerId}`;
export const lotKey = (lotId: string): string => `lot/${lotId}`;
export const shipmentKey = (shipmentId: string): string => `shipment/${shipmentId}`;
export const inboundPrefix = (orgId: string): string => `inbound/${orgId}/`;
export const inboundKey = (orgId: string, shipmentId: string): string => inboundPrefix(orgId) + shipmentId;
export const alertPrefix = (manufacturer: string): string => `alert/${manufacturer}/`;
export const alertKey = (manufacturer: string, alertId: string): string => alertPrefix(manufacturer) + alertId;

/** Why a pack left the supply chain (CBV dispositions / DSCSA). */
export const DECOMMISSION_REASONS = ['dispensed', 'destroyed', 'stolen', 'sample', 'exported'] as const;
export type DecommissionReason = (typeof DECOMMISSION_REASONS)[number];

/** 'suspect': quarantined under investigation; 'illegitimate': confirmed, notified, may only be destroyed. */
export type PackStatus = 'active' | 'decommissioned' | 'suspect' | 'illegitimate';
export type LotStatus = 'recalled' | 'quarantined' | 'released';

export interface ProductRecord {
  [k: string]: JsonValue;
  manufacturer: string;
  /** productDataCommitmentOf(GTIN, JCS(master data)). */
  data: string;
  since: number;
}

/** What packs and containers share: who holds them and where they sit. */
export interface Custodial {
  [k: string]: JsonValue | undefined;
  /** The holding org; while `parent` is set, the root container's custodian rules. */
  custodian: string;
  /** The container this object is aggregated into. */
  parent?: string | undefined;
  /** The open shipment carrying this (root) object. */
  shipment?: string | undefined;
}

export interface PackRecord extends Custodial {
  manufacturer: string;
  /** lotExpiryCommitmentOf(GTIN, serial, lot, expiry). */
  commitment: string;
  status: PackStatus;
  reason?: DecommissionReason | undefined;
  since: number;
}

export interface ContainerRecord extends Custodial {
  children: string[];
  since: number;
}

export interface LotRecord {
  [k: string]: JsonValue;
  product: string;
  status: LotStatus;
  at: string;
}

export interface ShipmentRecord {
  [k: string]: JsonValue | undefined;
  from: string;
  to: string;
  objects: string[];
  status: 'in-transit' | 'received';
  /** Commitment to the sealed EPCIS data the partners exchange off the ledger. */
  epcis?: string | undefined;
  shippedAt: string;
  receivedAt?: string | undefined;
}

/** The verification answers that count as failures (and become alerts). */
export const ALERT_ANSWERS = [
  'unknown',
  'mismatch',
  'expired',
  'decommissioned',
  'recalled',
  'quarantined',
  'suspect',
  'not-in-custody',
] as const;
export type AlertAnswer = (typeof ALERT_ANSWERS)[number];

export interface AlertRecord {
  [k: string]: JsonValue | undefined;
  answer: AlertAnswer;
  product: string;
  pack?: string | undefined;
  reporter: string;
  at: string;
}

function asObject(value: JsonValue | undefined): { [k: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** Writes a record under `key`, leaving out fields that are undefined (absent optional fields). */
export function putRecord(state: StateAccess, key: string, record: { [k: string]: JsonValue | undefined }): void {
  const value: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) value[k] = v;
  state.put(SUPPLYCHAIN_NAMESPACE, key, value);
}

const read = <T>(reader: StateReader, key: string): T | undefined =>
  asObject(reader.get(SUPPLYCHAIN_NAMESPACE, key)) as T | undefined;

export const getProduct = (r: StateReader, productId: string): ProductRecord | undefined => read(r, productKey(productId));
export const getPack = (r: StateReader, packId: string): PackRecord | undefined => read(r, packKey(packId));
export const getContainer = (r: StateReader, containerId: string): ContainerRecord | undefined => read(r, containerKey(containerId));
export const getLot = (r: StateReader, lotId: string): LotRecord | undefined => read(r, lotKey(lotId));
export const getShipment = (r: StateReader, shipmentId: string): ShipmentRecord | undefined => read(r, shipmentKey(shipmentId));
export const getAlert = (r: StateReader, manufacturer: string, alertId: string): AlertRecord | undefined =>
  read(r, alertKey(manufacturer, alertId));

/** A pack or a container, told apart by where its key lives (their ids come from different hash domains). */
export type Held = { kind: 'pack'; id: string; record: PackRecord } | { kind: 'container'; id: string; record: ContainerRecord };

export function getHeld(r: StateReader, id: string): Held | undefined {
  const pack = getPack(r, id);
  if (pack !== undefined) return { kind: 'pack', id, record: pack };
  const container = getContainer(r, id);
  return container === undefined ? undefined : { kind: 'container', id, record: container };
}

/** Deepest nesting walked (pack in case in pallet in ...); a cycle is impossible but bounded anyway. */
export const MAX_DEPTH = 8;

/**
 * The outermost container an object sits in (itself if not aggregated): its
 * custodian and open shipment are the object's.
 */
export function rootOf(r: StateReader, held: Held): Held {
  let at: Held = held;
  for (let depth = 0; depth < MAX_DEPTH && at.record.parent !== undefined; depth++) {
    const parent = getContainer(r, at.record.parent);
    if (parent === undefined) break;
    at = { kind: 'container', id: at.record.parent, record: parent };
  }
  return at;
}

/** An organisation's status and trading roles (from governance's org record), undefined if never admitted. */
export function getPartnerOrg(r: StateReader, orgId: string): { active: boolean; roles: TradingRole[] } | undefined {
  const org = getOrg(r, orgId);
  if (org === undefined) return undefined;
  const listed = org[TRADING_ROLES_FIELD];
  const roles = Array.isArray(listed) ? TRADING_ROLES.filter((role) => listed.includes(role)) : [];
  return { active: org['status'] === 'active', roles };
}
