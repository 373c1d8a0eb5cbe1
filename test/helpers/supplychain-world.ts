// Test world for the supplychain contract: four organisations written
// directly in governance's and the key registry's shared layout (contracts
// never import each other): a manufacturer, a wholesaler, a dispenser and a
// member org with no trading role, each with a node key and a member key.
// Helpers turn clear GTINs, serials, lots and SSCCs into the hashed ids a
// client sends, and run actions with deterministic txIds.
import { KEYS_NAMESPACE, type JsonValue, type KeyRecord } from '../../src/ledger/contract.js';
import type { TradingRole } from '../../src/contracts/trading-roles.js';
import {
  containerIdOf, getPack, getShipment, lotExpiryCommitmentOf, lotIdOf, packIdOf, productIdOf, shipmentIdForTx, supplychainContract, verdictOf,
  type StateScan, type VerifyAnswer,
} from '../../src/contracts/supplychain/index.js';
import { MemoryState, runAction, testKeyId, type RunResult } from './contracts.js';

export const T0 = '2026-03-01T08:00:00.000Z';
export const TODAY = '2026-03-01';
export const GTIN = '09506000134352';
export const OTHER_GTIN = '09506000134369';
export const LOT = 'A1B2C3';
export const EXPIRY = '281231';
export const EXPIRY_DATE = '2028-12-31';
export const MFR = 'mfr';
export const WHS = 'whs';
export const PHA = 'pha';
export const NONE = 'other';

export const ORGS: Record<string, TradingRole[]> = { [MFR]: ['manufacturer'], [WHS]: ['wholesaler'], [PHA]: ['dispenser'], [NONE]: [] };

/** Node key of an org. */
export const node = (orgId: string): string => testKeyId(`${orgId}/node`);
/** Member key of an org, with identity role `role`. */
export const member = (orgId: string): string => testKeyId(`${orgId}/member`);
export const admin = (orgId: string): string => testKeyId(`${orgId}/admin`);

export const serial = (i: number): string => `S${i.toString().padStart(9, '0')}X`;
export const pack = (i: number, gtin: string = GTIN): string => packIdOf(gtin, serial(i));
export const commitment = (i: number, lot: string = LOT, expiry: string = EXPIRY, gtin: string = GTIN): string =>
  lotExpiryCommitmentOf(gtin, serial(i), lot, expiry);
export const sscc = (i: number): string => containerIdOf(`3950600013435${i.toString().padStart(5, '0')}`);
export const PRODUCT = productIdOf(GTIN);
export const LOT_ID = lotIdOf(GTIN, LOT);
const DATA = Buffer.alloc(32, 9).toString('base64url');

function key(kind: KeyRecord['kind'], org: string, roles: string[] = []): KeyRecord {
  return { kind, org, owner: org, roles, status: 'active', since: 1 };
}

export class World {
  readonly state = new MemoryState();
  private tx = 0;

  constructor() {
    for (const [orgId, roles] of Object.entries(ORGS)) {
      this.state.put('governance', `org/${orgId}`, { orgId, status: 'active', tradingRoles: roles });
      this.state.put(KEYS_NAMESPACE, node(orgId), key('node', orgId));
      this.state.put(KEYS_NAMESPACE, admin(orgId), key('org-admin', orgId));
      const role = orgId === PHA ? 'pharmacist' : orgId === MFR ? 'manufacturer' : 'distributor';
      this.state.put(KEYS_NAMESPACE, member(orgId), key('member', orgId, [role]));
    }
  }

  setOrg(orgId: string, fields: { [k: string]: JsonValue }): void {
    this.state.put('governance', `org/${orgId}`, { ...(this.state.get('governance', `org/${orgId}`) as object), ...fields });
  }

  nextTxId(): string {
    this.tx += 1;
    return this.tx.toString(16).padStart(8, '0').padEnd(64, 'b');
  }

  /** Runs an action signed by `signer` (default: the org's node key; pass an org id or a key id). */
  run(action: string, args: unknown, signer: string): RunResult & { txId: string } {
    const txId = this.nextTxId();
    const signerKey = signer.startsWith('ed25519:') ? signer : node(signer);
    return { ...runAction(supplychainContract, action, args, { signer: signerKey, state: this.state, blockTime: T0, txId }), txId };
  }

  /** Runs and throws unless OK. */
  ok(action: string, args: unknown, signer: string): string {
    const r = this.run(action, args, signer);
    if (r.refusal) throw new Error(`${action} refused: ${r.refusal.code} ${r.refusal.detail ?? ''}`);
    return r.txId;
  }

  /** Registers the product and commissions packs [from, to) of it at MFR. */
  commission(from: number, to: number): void {
    if (this.state.get('supplychain', `product/${PRODUCT}`) === undefined) this.ok('register-product', { product: PRODUCT, data: DATA }, MFR);
    const packs = [];
    for (let i = from; i < to; i++) packs.push([pack(i), commitment(i)]);
    this.ok('commission', { product: PRODUCT, packs }, MFR);
  }

  /** Ships objects from `from` to `to`; returns the shipment id. */
  ship(from: string, to: string, objects: string[]): string {
    return shipmentIdForTx(this.ok('ship', { to, objects }, from));
  }

  /** Ships and receives. */
  transfer(from: string, to: string, objects: string[]): string {
    const shipment = this.ship(from, to, objects);
    this.ok('receive', { shipment }, to);
    return shipment;
  }

  verify(i: number, caller: string, scanned: { lot?: string; expiry?: string; gtin?: string; today?: string } = {}): VerifyAnswer {
    const gtin = scanned.gtin ?? GTIN;
    const lot = scanned.lot ?? LOT;
    const expiry = scanned.expiry ?? EXPIRY;
    return verdictOf(this.state, {
      packId: packIdOf(gtin, serial(i)),
      productId: productIdOf(gtin),
      lotId: lotIdOf(gtin, lot),
      commitment: lotExpiryCommitmentOf(gtin, serial(i), lot, expiry),
      expiry: `20${expiry.slice(0, 2)}-${expiry.slice(2, 4)}-${expiry.slice(4, 6)}`,
      caller,
      today: scanned.today ?? TODAY,
    }).answer;
  }

  custodianOf(i: number): string | undefined {
    return getPack(this.state, pack(i))?.custodian;
  }

  shipment(id: string) {
    return getShipment(this.state, id);
  }
}

/** A scan function (the ledger port's shape) over the in-memory test state. */
export function MEMORY_SCAN(state: MemoryState): StateScan {
  return (namespace, prefix, limit, afterKey) =>
    state
      .list(namespace)
      .filter(([key]) => key.startsWith(prefix) && (afterKey === undefined || key > afterKey))
      .slice(0, limit)
      .map(([key, value]) => ({ key, value }));
}
