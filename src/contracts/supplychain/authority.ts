// Who may act in the supply chain: a key of an active organisation that
// governance admitted to at least one trading role. The key is the org's node
// key (the node acting for its authenticated members) or an active member key
// whose member holds a supply-chain role of identity's catalogue. What each
// trading role may do is decided by the actions.
import { refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import type { TradingRole } from '../trading-roles.js';
import { getPartnerOrg, getProduct } from './keys.js';

/** Identity roles of members who may sign supply-chain transactions themselves. */
export const SUPPLY_MEMBER_ROLES: readonly string[] = ['manufacturer', 'distributor', 'pharmacist'];

export interface Partner {
  orgId: string;
  roles: readonly TradingRole[];
}

/** The signer's organisation as a trading partner, or UNAUTHORIZED. */
export function partnerOf(ctx: ExecContext): Partner | Refusal {
  const key = ctx.signerKey;
  if (key === undefined || key.status !== 'active' || key.org === null) return refuse('UNAUTHORIZED', 'signer is not an organisation key');
  const mayAct = key.kind === 'node' || (key.kind === 'member' && key.roles.some((r) => SUPPLY_MEMBER_ROLES.includes(r)));
  if (!mayAct) return refuse('UNAUTHORIZED', 'signer holds no supply-chain role');
  const org = getPartnerOrg(ctx.state, key.org);
  if (org?.active !== true || org.roles.length === 0) return refuse('UNAUTHORIZED', 'signer org is not an active trading partner');
  return { orgId: key.org, roles: org.roles };
}

/** partnerOf, further requiring one of `roles`. */
export function partnerWith(ctx: ExecContext, roles: readonly TradingRole[]): Partner | Refusal {
  const partner = partnerOf(ctx);
  if ('code' in partner) return partner;
  return partner.roles.some((r) => roles.includes(r)) ? partner : refuse('UNAUTHORIZED', `needs the trading role ${roles.join(' or ')}`);
}

export function isRefused(value: object): value is Refusal {
  return 'code' in value;
}

/** The signer as the manufacturer of `product`: NOT_FOUND for an unknown product, UNAUTHORIZED for another org's (or a non-partner). */
export function manufacturerOf(ctx: ExecContext, product: string): Partner | Refusal {
  const partner = partnerOf(ctx);
  if (isRefused(partner)) return partner;
  const record = getProduct(ctx.state, product);
  if (record === undefined) return refuse('NOT_FOUND', 'no such product');
  if (record.manufacturer !== partner.orgId) return refuse('UNAUTHORIZED', "not the product's manufacturer");
  return partner;
}
