// supplychain/decommission, set-lot-status, flag-suspect, resolve-suspect and
// report-alerts: a pack leaves the chain (dispensed, destroyed, stolen,
// sample, exported); the manufacturer recalls, quarantines or releases a lot;
// a holder quarantines suspect product and the manufacturer (or the holder)
// clears it or confirms it illegitimate (DSCSA section 582 notification);
// failed verifications become alerts the manufacturer reads.
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { isRefused, manufacturerOf, partnerOf, partnerWith } from './authority.js';
import { alertIdForTx } from './ids.js';
import {
  alertKey,
  getLot,
  getPack,
  getProduct,
  lotKey,
  packKey,
  putRecord,
  rootOf,
  type AlertRecord,
  type LotRecord,
  type PackRecord,
} from './keys.js';
import { decommissionArgs, flagSuspectArgs, lotStatusArgs, reportAlertsArgs, resolveSuspectArgs } from './schemas.js';

type Check = (pack: PackRecord, i: number) => Refusal | undefined;

/** The packs, each existing (NOT_FOUND) and passing `check`. */
function packsPassing(ctx: ExecContext, ids: readonly string[], check: Check): Array<[string, PackRecord]> | Refusal {
  const out: Array<[string, PackRecord]> = [];
  for (const [i, id] of ids.entries()) {
    const pack = getPack(ctx.state, id);
    if (pack === undefined) return refuse('NOT_FOUND', `packs.${i} does not exist`);
    const refusal = check(pack, i);
    if (refusal !== undefined) return refusal;
    out.push([id, pack]);
  }
  return out;
}

/** Whether `orgId` holds the pack now (through its outermost container). */
function holds(ctx: ExecContext, orgId: string, id: string, pack: PackRecord): boolean {
  return rootOf(ctx.state, { kind: 'pack', id, record: pack }).record.custodian === orgId;
}

/**
 * Signer: the partner holding each pack directly (not in a container:
 * RULE_VIOLATION; not in transit: CONFLICT); 'dispensed' needs the dispenser
 * role. CONFLICT if a pack is already decommissioned (a second dispense);
 * RULE_VIOLATION for suspect packs, and for illegitimate ones unless destroyed.
 */
export const decommission = defineAction({
  args: decommissionArgs,
  authorize(ctx, args) {
    const partner = args.reason === 'dispensed' ? partnerWith(ctx, ['dispenser']) : partnerOf(ctx);
    if (isRefused(partner)) return partner;
    const packs = packsPassing(ctx, args.packs, (pack, i) => {
      if (pack.status === 'decommissioned') return refuse('CONFLICT', `packs.${i} is already decommissioned`);
      if (!holds(ctx, partner.orgId, args.packs[i] as string, pack)) return refuse('UNAUTHORIZED', `packs.${i} is not in the signer's custody`);
      if (pack.parent !== undefined) return refuse('RULE_VIOLATION', `packs.${i} is inside a container`);
      if (pack.shipment !== undefined) return refuse('CONFLICT', `packs.${i} is in transit`);
      if (pack.status === 'suspect' || (pack.status === 'illegitimate' && args.reason !== 'destroyed')) {
        return refuse('RULE_VIOLATION', `packs.${i} is ${pack.status}`);
      }
      return undefined;
    });
    return isRefused(packs) ? packs : allow(packs);
  },
  apply(ctx, args, packs) {
    for (const [id, pack] of packs) putRecord(ctx.state, packKey(id), { ...pack, status: 'decommissioned', reason: args.reason });
    ctx.emit('decommissioned', { count: packs.length, reason: args.reason });
    return undefined;
  },
});

/**
 * Signer: the product's manufacturer (NOT_FOUND, UNAUTHORIZED). A recall is
 * final (CONFLICT on any later change); a quarantine may be released;
 * releasing a lot that is not quarantined is CONFLICT.
 */
export const setLotStatus = defineAction({
  args: lotStatusArgs,
  authorize(ctx, args) {
    const partner = manufacturerOf(ctx, args.product);
    if (isRefused(partner)) return partner;
    const lot = getLot(ctx.state, args.lot);
    if (lot?.status === 'recalled') return refuse('CONFLICT', 'lot is recalled');
    if (lot !== undefined && lot.product !== args.product) return refuse('CONFLICT', 'lot belongs to another product');
    if (args.status === 'released' && lot?.status !== 'quarantined') return refuse('CONFLICT', 'lot is not quarantined');
    return undefined;
  },
  apply(ctx, args) {
    const lot: LotRecord = { product: args.product, status: args.status, at: ctx.blockTime };
    putRecord(ctx.state, lotKey(args.lot), lot);
    ctx.emit('lot-status', { product: args.product, lot: args.lot, status: args.status });
    return undefined;
  },
});

/**
 * The packs, each held or made by the signer (UNAUTHORIZED) and in `status`
 * (CONFLICT otherwise): who may flag and resolve suspect product.
 */
function heldOrMadeIn(ctx: ExecContext, ids: readonly string[], status: PackRecord['status']): Array<[string, PackRecord]> | Refusal {
  const partner = partnerOf(ctx);
  if (isRefused(partner)) return partner;
  return packsPassing(ctx, ids, (pack, i) => {
    if (pack.manufacturer !== partner.orgId && !holds(ctx, partner.orgId, ids[i] as string, pack)) {
      return refuse('UNAUTHORIZED', `packs.${i} is neither held nor made by the signer`);
    }
    return pack.status === status ? undefined : refuse('CONFLICT', `packs.${i} is ${pack.status}`);
  });
}

/** Signer: the holder or the manufacturer of each pack (UNAUTHORIZED); each must be active (CONFLICT). */
export const flagSuspect = defineAction({
  args: flagSuspectArgs,
  authorize(ctx, args) {
    const packs = heldOrMadeIn(ctx, args.packs, 'active');
    return isRefused(packs) ? packs : allow(packs);
  },
  apply(ctx, _args, packs) {
    for (const [id, pack] of packs) putRecord(ctx.state, packKey(id), { ...pack, status: 'suspect' });
    ctx.emit('suspect', { count: packs.length });
    return undefined;
  },
});

/**
 * Signer: the holder or the manufacturer of each pack; each must be suspect
 * (CONFLICT). 'cleared' returns it to active; 'illegitimate' is final and is
 * announced as an illegitimate-product event (the notification).
 */
export const resolveSuspect = defineAction({
  args: resolveSuspectArgs,
  authorize(ctx, args) {
    const packs = heldOrMadeIn(ctx, args.packs, 'suspect');
    return isRefused(packs) ? packs : allow(packs);
  },
  apply(ctx, args, packs) {
    const status = args.outcome === 'cleared' ? 'active' : 'illegitimate';
    for (const [id, pack] of packs) putRecord(ctx.state, packKey(id), { ...pack, status });
    ctx.emit(args.outcome === 'cleared' ? 'suspect-cleared' : 'illegitimate-product', { count: packs.length });
    return undefined;
  },
});

/**
 * Signer: any trading partner. Each alert names a registered product
 * (NOT_FOUND otherwise) and is filed under its manufacturer as
 * alert/<manufacturer>/<alertIdForTx(txId, index)>.
 */
export const reportAlerts = defineAction({
  args: reportAlertsArgs,
  authorize(ctx, args) {
    const partner = partnerOf(ctx);
    if (isRefused(partner)) return partner;
    const manufacturers: string[] = [];
    for (const [i, alert] of args.alerts.entries()) {
      const product = getProduct(ctx.state, alert.product);
      if (product === undefined) return refuse('NOT_FOUND', `alerts.${i}.product is not registered`);
      manufacturers.push(product.manufacturer);
    }
    return allow({ partner, manufacturers });
  },
  apply(ctx, args, { partner, manufacturers }) {
    for (const [i, alert] of args.alerts.entries()) {
      const manufacturer = manufacturers[i] as string;
      const record: AlertRecord = { answer: alert.answer, product: alert.product, pack: alert.pack, reporter: partner.orgId, at: ctx.blockTime };
      putRecord(ctx.state, alertKey(manufacturer, alertIdForTx(ctx.txId, i)), record);
    }
    ctx.emit('alerts', { count: args.alerts.length });
    return undefined;
  },
});
