// supplychain/register-product and commission: a manufacturer (or a
// repackager, under its own GTIN) registers a product by its hashed GTIN and
// a commitment to its master data, then commissions serialised packs of it in
// batches, each pack under its hashed (GTIN, serial) with a commitment to its
// lot and expiry. The commissioning org holds the new packs.
import { allow, defineAction, refuse } from '../../ledger/contract.js';
import { isRefused, manufacturerOf, partnerWith } from './authority.js';
import { putRecord, getContainer, getPack, getProduct, packKey, productKey, type PackRecord, type ProductRecord } from './keys.js';
import { commissionArgs, registerProductArgs } from './schemas.js';

const MAKERS = ['manufacturer', 'repackager'] as const;

/** Signer: a manufacturer or repackager. ALREADY_EXISTS if the product is registered. */
export const registerProduct = defineAction({
  args: registerProductArgs,
  authorize(ctx, args) {
    const partner = partnerWith(ctx, MAKERS);
    if (isRefused(partner)) return partner;
    if (getProduct(ctx.state, args.product) !== undefined) return refuse('ALREADY_EXISTS', 'product is registered');
    return allow(partner);
  },
  apply(ctx, args, partner) {
    const record: ProductRecord = { manufacturer: partner.orgId, data: args.data, since: ctx.height };
    putRecord(ctx.state, productKey(args.product), record);
    ctx.emit('product-registered', { product: args.product, manufacturer: partner.orgId });
    return undefined;
  },
});

/**
 * Signer: the org that registered the product (NOT_FOUND for an unknown
 * product, UNAUTHORIZED for another org's). ALREADY_EXISTS if any pack id is
 * taken (by a pack or a container).
 */
export const commission = defineAction({
  args: commissionArgs,
  authorize(ctx, args) {
    const partner = manufacturerOf(ctx, args.product);
    if (isRefused(partner)) return partner;
    const taken = args.packs.findIndex(([id]) => getPack(ctx.state, id) !== undefined || getContainer(ctx.state, id) !== undefined);
    if (taken >= 0) return refuse('ALREADY_EXISTS', `packs.${taken} is already commissioned`);
    return allow(partner);
  },
  apply(ctx, args, partner) {
    for (const [id, commitment] of args.packs) {
      const pack: PackRecord = { custodian: partner.orgId, manufacturer: partner.orgId, commitment, status: 'active', since: ctx.height };
      putRecord(ctx.state, packKey(id), pack);
    }
    ctx.emit('commissioned', { count: args.packs.length });
    return undefined;
  },
});
