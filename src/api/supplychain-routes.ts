// The supply-chain door, /supplychain/v1 (issue 12): thin named handlers of
// (request, deps) over the HTTP-free service in src/supplychain. Who may call:
// members of THIS node's organisation holding a supply role (manufacturer,
// distributor, pharmacist), with a bearer token; the node signs for its
// organisation with its node key, and the contract checks the organisation's
// trading roles. Anyone else gets 401/403 before any state is read. What a
// caller learns: its own organisation's alerts and shipments, and for a
// scanned pack the verification answer, never who holds it or shipped it;
// another partner's shipment answers 404 like an unknown one; a pack's EPCIS
// events only as far as this node holds them (an empty list otherwise, as
// for an unknown pack). One door is node-to-node and takes no token:
// POST /epcis/bundles, where a sender's node delivers a shipment's sealed
// EPCIS data; it is self-authenticating (it must open with this node's HPKE
// key and match the commitment the sender signed on the ledger), and its
// answers tell nothing the ledger does not (404 unless the shipment is to
// this organisation, 409 for a bundle that fails a check).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getOrg } from '../contracts/governance/index.js';
import { SUPPLY_MEMBER_ROLES } from '../contracts/supplychain/index.js';
import { CareLedgerError, parseOrThrow } from '../errors/index.js';
import type { Actor } from '../fhir/types.js';
import type { LedgerPort } from '../ledger/index.js';
import * as supply from '../supplychain/index.js';
import { errorBody } from './errors.js';

export type SupplyRoutesLedger = supply.SupplyLedger & Pick<LedgerPort, 'orgId' | 'nodeKey'>;

export interface SupplyChainRoutesDeps {
  ledger: SupplyRoutesLedger;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** The node's off-ledger EPCIS data; without it shipments carry no sealed EPCIS and queries answer empty. */
  epcis?: supply.EpcisOffLedger | undefined;
  /** Delivers a sealed bundle to the receiver's node (default: HTTP POST to its registered endpoint); true if accepted. */
  deliver?: ((endpoint: string, sealed: supply.SealedShipmentEpcis) => Promise<boolean>) | undefined;
}

/** POSTs a sealed bundle to `<endpoint>/supplychain/v1/epcis/bundles`; false on any failure (the sender keeps the bundle to retry). */
export async function deliverSealedEpcis(endpoint: string, sealed: supply.SealedShipmentEpcis): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint.replace(/\/+$/, '')}${BASE}/epcis/bundles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sealed),
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

const BASE = '/supplychain/v1';

/**
 * The caller's context: a member of the organisation this node's key belongs
 * to, holding a supply role. The node acts for its own organisation only;
 * partners use their own nodes.
 */
async function partnerContext(request: FastifyRequest, deps: SupplyChainRoutesDeps): Promise<supply.SupplyContext> {
  const actor = await deps.authenticate(request.headers.authorization);
  const orgId = deps.ledger.orgId;
  if (actor.kind !== 'member' || actor.orgId !== orgId || !actor.roles.some((r) => SUPPLY_MEMBER_ROLES.includes(r))) {
    throw new CareLedgerError('FORBIDDEN', "supply-chain routes are for this node's organisation members with a supply role");
  }
  return { ledger: deps.ledger, orgId, signer: deps.ledger.nodeKey, epcis: deps.epcis };
}

const body = <S extends z.ZodType>(schema: S, request: FastifyRequest): z.output<S> => parseOrThrow(schema, request.body ?? {}, 'body');
const shipmentParams = z.strictObject({ shipment: z.string().regex(/^sh-[0-9a-f]{32}$/) });

/** POST /supplychain/v1/products */
export async function postProduct(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.registerProduct(ctx, body(supply.productInput, request));
}

/** POST /supplychain/v1/commission */
export async function postCommission(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.commission(ctx, body(supply.commissionInput, request));
}

/** POST /supplychain/v1/aggregate */
export async function postAggregate(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.aggregate(ctx, body(supply.aggregateInput, request));
}

/** POST /supplychain/v1/disaggregate */
export async function postDisaggregate(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.disaggregate(ctx, body(supply.disaggregateInput, request));
}

/**
 * POST /supplychain/v1/shipments. The shipment's sealed EPCIS bundle goes to
 * the receiver's node at once; the reply says whether it was accepted and
 * carries the bundle (readable by the receiver only) for a retry.
 */
export async function postShipment(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  const input = body(supply.shipInput, request);
  const shipped = await supply.ship(ctx, input);
  if (shipped.sealed === undefined) return { shipmentId: shipped.shipmentId };
  const endpoint = getOrg(ctx.ledger.state, input.to)?.['endpoint'];
  const delivered = typeof endpoint === 'string' && (await (deps.deliver ?? deliverSealedEpcis)(endpoint, shipped.sealed));
  return { shipmentId: shipped.shipmentId, epcis: { delivered, sealed: shipped.sealed } };
}

/** POST /supplychain/v1/shipments/{shipment}/receive */
export async function postReceive(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.receive(ctx, parseOrThrow(shipmentParams, request.params, 'params'));
}

/** GET /supplychain/v1/shipments/inbound */
export async function getInbound(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.listInbound(ctx, parseOrThrow(supply.pageInput, request.query, 'query'));
}

/** GET /supplychain/v1/shipments/{shipment} */
export async function getShipment(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.getShipmentFor(ctx, parseOrThrow(shipmentParams, request.params, 'params').shipment);
}

/** POST /supplychain/v1/decommission: 409 with the answers when a dispense does not verify. */
export async function postDecommission(request: FastifyRequest, deps: SupplyChainRoutesDeps): Promise<{ status: number; body: unknown }> {
  const ctx = await partnerContext(request, deps);
  const outcome = await supply.decommission(ctx, body(supply.decommissionInput, request));
  if (!('refused' in outcome)) return { status: 200, body: outcome };
  const first = outcome.refused.findIndex((o) => o.answer !== 'verified');
  const answer = outcome.refused[first]?.answer ?? 'unknown';
  return { status: 409, body: { ...errorBody('CONFLICT', `scans.${first} does not verify: ${answer}`, `scans.${first}`), answers: outcome.refused } };
}

/** POST /supplychain/v1/lots */
export async function postLotStatus(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.setLotStatus(ctx, body(supply.lotStatusInput, request));
}

/** POST /supplychain/v1/suspect */
export async function postSuspect(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.flagSuspect(ctx, body(supply.suspectInput, request));
}

/** POST /supplychain/v1/suspect/resolve */
export async function postResolveSuspect(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.resolveSuspect(ctx, body(supply.resolveInput, request));
}

/** POST /supplychain/v1/verify */
export async function postVerify(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.verify(ctx, body(supply.verifyInput, request).scan);
}

/** POST /supplychain/v1/epcis/capture: an EPCIS 2.0 JSON-LD document sent as application/json. */
export async function postEpcisCapture(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.captureEpcis(ctx, request.body);
}

const epcQuery = z.strictObject({ epc: z.string().min(1).max(512) });

/** GET /supplychain/v1/epcis/events?epc=: an EPCISQueryDocument of what this node holds about the EPC. */
export async function getEpcisEvents(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.queryEvents(ctx, parseOrThrow(epcQuery, request.query, 'query').epc);
}

/** POST /supplychain/v1/epcis/bundles: node-to-node, no token (see the header). */
export async function postEpcisBundle(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx: supply.SupplyContext = { ledger: deps.ledger, orgId: deps.ledger.orgId, signer: deps.ledger.nodeKey, epcis: deps.epcis };
  return supply.acceptShipmentEpcis(ctx, request.body);
}

/** GET /supplychain/v1/alerts */
export async function getAlerts(request: FastifyRequest, deps: SupplyChainRoutesDeps) {
  const ctx = await partnerContext(request, deps);
  return supply.listAlerts(ctx, parseOrThrow(supply.pageInput, request.query, 'query'));
}

export function registerSupplyChainRoutes(app: FastifyInstance, deps: SupplyChainRoutesDeps): void {
  const wire = (handler: (request: FastifyRequest, deps: SupplyChainRoutesDeps) => Promise<unknown>) => (request: FastifyRequest) => handler(request, deps);
  app.post(`${BASE}/products`, wire(postProduct));
  app.post(`${BASE}/commission`, wire(postCommission));
  app.post(`${BASE}/aggregate`, wire(postAggregate));
  app.post(`${BASE}/disaggregate`, wire(postDisaggregate));
  app.post(`${BASE}/shipments`, wire(postShipment));
  app.get(`${BASE}/shipments/inbound`, wire(getInbound));
  app.get(`${BASE}/shipments/:shipment`, wire(getShipment));
  app.post(`${BASE}/shipments/:shipment/receive`, wire(postReceive));
  app.post(`${BASE}/decommission`, async (request: FastifyRequest, reply: FastifyReply) => {
    const out = await postDecommission(request, deps);
    return reply.code(out.status).send(out.body);
  });
  app.post(`${BASE}/lots`, wire(postLotStatus));
  app.post(`${BASE}/suspect`, wire(postSuspect));
  app.post(`${BASE}/suspect/resolve`, wire(postResolveSuspect));
  app.post(`${BASE}/verify`, wire(postVerify));
  app.get(`${BASE}/alerts`, wire(getAlerts));
  app.post(`${BASE}/epcis/capture`, wire(postEpcisCapture));
  app.get(`${BASE}/epcis/events`, wire(getEpcisEvents));
  app.post(`${BASE}/epcis/bundles`, { bodyLimit: 12 * 1024 * 1024 }, wire(postEpcisBundle));
}
