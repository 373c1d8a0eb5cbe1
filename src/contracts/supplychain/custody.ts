// supplychain/aggregate, disaggregate, ship and receive: packing into cases
// and pallets (SSCC), unpacking, and custody transfer between two trading
// partners (the sender ships, the receiver confirms). Custody is held by the
// outermost container: shipping a pallet is one write, however many packs it
// holds, and unpacking hands the container's custodian down to its children.
import { allow, defineAction, refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { isRefused, partnerOf, type Partner } from './authority.js';
import { shipmentIdForTx } from './ids.js';
import {
  containerKey,
  getContainer,
  getHeld,
  getPartnerOrg,
  getShipment,
  inboundKey,
  packKey,
  putRecord,
  rootOf,
  shipmentKey,
  SUPPLYCHAIN_NAMESPACE,
  type ContainerRecord,
  type Custodial,
  type Held,
  type ShipmentRecord,
} from './keys.js';
import { MAX_CHILDREN, aggregateArgs, disaggregateArgs, receiveArgs, shipArgs } from './schemas.js';

/** Writes a pack or container record back under its own key with `patch` applied (undefined removes a field). */
function updateHeld(ctx: ExecContext, held: Held, patch: Partial<Custodial>): void {
  putRecord(ctx.state, held.kind === 'pack' ? packKey(held.id) : containerKey(held.id), { ...held.record, ...patch });
}

/**
 * The objects, each a root (not inside a container) held by `orgId`, not in
 * transit, and (packs) active. `field` names the argument in refusals.
 */
function rootsHeldBy(ctx: ExecContext, orgId: string, ids: readonly string[], field: string): Held[] | Refusal {
  const out: Held[] = [];
  for (const [i, id] of ids.entries()) {
    const held = getHeld(ctx.state, id);
    if (held === undefined) return refuse('NOT_FOUND', `${field}.${i} does not exist`);
    if (rootOf(ctx.state, held).record.custodian !== orgId) return refuse('UNAUTHORIZED', `${field}.${i} is not in the signer's custody`);
    if (held.record.parent !== undefined) return refuse('RULE_VIOLATION', `${field}.${i} is inside a container`);
    if (held.record.shipment !== undefined) return refuse('CONFLICT', `${field}.${i} is in transit`);
    if (held.kind === 'pack' && held.record.status === 'decommissioned') return refuse('CONFLICT', `${field}.${i} is decommissioned`);
    if (held.kind === 'pack' && held.record.status !== 'active') return refuse('RULE_VIOLATION', `${field}.${i} is ${held.record.status}`);
    out.push(held);
  }
  return out;
}

/** A container held at the root by the partner, not in transit. */
function ownRootContainer(ctx: ExecContext, partner: Partner, id: string): ContainerRecord | Refusal {
  const container = getContainer(ctx.state, id);
  if (container === undefined) return refuse('NOT_FOUND', 'no such container');
  const root = rootOf(ctx.state, { kind: 'container', id, record: container });
  if (root.record.custodian !== partner.orgId) return refuse('UNAUTHORIZED', "container is not in the signer's custody");
  if (root.record.shipment !== undefined) return refuse('CONFLICT', 'container is in transit');
  return container;
}

/**
 * Signer: a trading partner holding every child at the root (NOT_FOUND,
 * UNAUTHORIZED, RULE_VIOLATION if a child is inside a container or not
 * active, CONFLICT if in transit or decommissioned). Creates the container or
 * adds to one the signer holds, which must itself be a root
 * (RULE_VIOLATION), up to MAX_CHILDREN children.
 */
export const aggregate = defineAction({
  args: aggregateArgs,
  authorize(ctx, args) {
    const partner = partnerOf(ctx);
    if (isRefused(partner)) return partner;
    if (args.children.includes(args.container)) return refuse('RULE_VIOLATION', 'a container cannot hold itself');
    let container: ContainerRecord | undefined;
    if (getHeld(ctx.state, args.container)?.kind === 'pack') return refuse('ALREADY_EXISTS', 'the container id is a pack');
    if (getContainer(ctx.state, args.container) !== undefined) {
      const own = ownRootContainer(ctx, partner, args.container);
      if (isRefused(own)) return own;
      if (own.parent !== undefined) return refuse('RULE_VIOLATION', 'container is inside another container');
      if (own.children.length + args.children.length > MAX_CHILDREN) return refuse('RULE_VIOLATION', `more than ${MAX_CHILDREN} children`);
      container = own;
    }
    const children = rootsHeldBy(ctx, partner.orgId, args.children, 'children');
    if (isRefused(children)) return children;
    return allow({ partner, container, children });
  },
  apply(ctx, args, { partner, container, children }) {
    for (const child of children) {
      updateHeld(ctx, child, { parent: args.container });
    }
    const next: ContainerRecord = container
      ? { ...container, children: [...container.children, ...args.children] }
      : { custodian: partner.orgId, children: [...args.children], since: ctx.height };
    putRecord(ctx.state, containerKey(args.container), next);
    ctx.emit('aggregated', { count: children.length });
    return undefined;
  },
});

/**
 * Signer: the partner holding the container at its root, not in transit.
 * RULE_VIOLATION if a listed child is not in the container. The children
 * leave the container and are held by the signer directly.
 */
export const disaggregate = defineAction({
  args: disaggregateArgs,
  authorize(ctx, args) {
    const partner = partnerOf(ctx);
    if (isRefused(partner)) return partner;
    const container = ownRootContainer(ctx, partner, args.container);
    if (isRefused(container)) return container;
    const removed = args.children ?? container.children;
    const missing = removed.findIndex((id) => !container.children.includes(id));
    if (missing >= 0) return refuse('RULE_VIOLATION', `children.${missing} is not in the container`);
    return allow({ partner, container, removed });
  },
  apply(ctx, args, { partner, container, removed }) {
    for (const id of removed) {
      const held = getHeld(ctx.state, id);
      if (held === undefined) continue;
      updateHeld(ctx, held, { parent: undefined, custodian: partner.orgId });
    }
    const gone = new Set(removed);
    putRecord(ctx.state, containerKey(args.container), { ...container, children: container.children.filter((id) => !gone.has(id)) });
    ctx.emit('disaggregated', { count: removed.length });
    return undefined;
  },
});

/**
 * Signer: the partner holding every object at the root (see rootsHeldBy for
 * the codes). The receiver must be another active trading partner
 * (RULE_VIOLATION). Opens a shipment (id shipmentIdForTx) that only the
 * receiver can close; the objects stay the sender's until then.
 */
export const ship = defineAction({
  args: shipArgs,
  authorize(ctx, args) {
    const partner = partnerOf(ctx);
    if (isRefused(partner)) return partner;
    if (args.to === partner.orgId) return refuse('RULE_VIOLATION', 'cannot ship to oneself');
    const receiver = getPartnerOrg(ctx.state, args.to);
    if (receiver?.active !== true || receiver.roles.length === 0) return refuse('RULE_VIOLATION', 'receiver is not an active trading partner');
    const objects = rootsHeldBy(ctx, partner.orgId, args.objects, 'objects');
    if (isRefused(objects)) return objects;
    return allow({ partner, objects });
  },
  apply(ctx, args, { partner, objects }) {
    const shipmentId = shipmentIdForTx(ctx.txId);
    const shipment: ShipmentRecord = {
      from: partner.orgId,
      to: args.to,
      objects: [...args.objects],
      status: 'in-transit',
      epcis: args.epcis,
      shippedAt: ctx.blockTime,
    };
    putRecord(ctx.state, shipmentKey(shipmentId), shipment);
    ctx.state.put(SUPPLYCHAIN_NAMESPACE, inboundKey(args.to, shipmentId), { from: partner.orgId, at: ctx.blockTime });
    for (const held of objects) updateHeld(ctx, held, { shipment: shipmentId });
    ctx.emit('shipped', { shipment: shipmentId, from: partner.orgId, to: args.to });
    return undefined;
  },
});

/** Signer: the shipment's receiver (NOT_FOUND if unknown, UNAUTHORIZED for anyone else, CONFLICT once received). */
export const receive = defineAction({
  args: receiveArgs,
  authorize(ctx, args) {
    const partner = partnerOf(ctx);
    if (isRefused(partner)) return partner;
    const shipment = getShipment(ctx.state, args.shipment);
    if (shipment === undefined) return refuse('NOT_FOUND', 'no such shipment');
    if (shipment.to !== partner.orgId) return refuse('UNAUTHORIZED', 'not the receiver of this shipment');
    if (shipment.status !== 'in-transit') return refuse('CONFLICT', 'shipment is already received');
    return allow({ partner, shipment });
  },
  apply(ctx, args, { partner, shipment }) {
    for (const id of shipment.objects) {
      const held = getHeld(ctx.state, id);
      if (held === undefined) continue;
      updateHeld(ctx, held, { custodian: partner.orgId, shipment: undefined });
    }
    putRecord(ctx.state, shipmentKey(args.shipment), { ...shipment, status: 'received', receivedAt: ctx.blockTime });
    ctx.state.delete(SUPPLYCHAIN_NAMESPACE, inboundKey(partner.orgId, args.shipment));
    ctx.emit('received', { shipment: args.shipment, from: shipment.from, to: partner.orgId });
    return undefined;
  },
});
