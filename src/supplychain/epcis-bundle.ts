// A shipment's EPCIS data, sealed from the sender to the receiver (issue 12,
// item 6; DSCSA transaction information and history travel with the
// product). The sender builds the bundle before it ships: the events it holds
// about the shipped objects (each cut down to them) and the shipping event,
// with 16 random bytes of salt; it puts the commitment
//   SHA-256("careledger.sc.epcis-commitment/1\n" || JCS(bundle))
// in the ship transaction (the shipment's `epcis` on the ledger) and seals the
// bundle with HPKE (RFC 9180, src/crypto/hpke.ts) to the receiver's
// registered X25519 key, info "careledger.sc.epcis/1", aad binding the
// receiver and the commitment. The receiver opens it, checks it against the
// commitment the sender signed on the ledger, checks that the shipping event
// names exactly the shipment's objects, and keeps the events in its own
// store. Any failure is refused whole: CONFLICT, field `sealed` (does not
// open) or `epcis` (opens, but is not what the ledger committed to).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes, concatBytes, fromBase64Url, hpkeOpen, hpkeSeal, sha256, toBase64Url, utf8 } from '../crypto/index.js';
import { CareLedgerError, parseOrThrow } from '../errors/index.js';
import { getShipment, SHIPMENT_ID_PATTERN } from '../contracts/supplychain/index.js';
import { orgHpkePublicKey } from '../contracts/governance/index.js';
import type { JsonValue } from '../ledger/index.js';
import { elementsOfEpc } from './epc.js';
import { epcisDocumentSchema, eventSchema } from './epcis-schema.js';
import { epcisDocument, eventKeyOf, MAX_EVENTS_PER_OBJECT, objectIdOfElements, scopedEvent, withDescendants } from './epcis-events.js';
import type { EpcisEvent, StoredEpcisEvent } from './epcis-store.js';
import type { SupplyContext } from './ledger.js';

export const EPCIS_BUNDLE_TYPE = 'careledger.sc.epcis-bundle/1';
export const SEALED_EPCIS_TYPE = 'careledger.sc.sealed-epcis/1';
export const EPCIS_COMMITMENT_DOMAIN = 'careledger.sc.epcis-commitment/1\n';
const HPKE_INFO = utf8('careledger.sc.epcis/1');
/** Largest sealed bundle accepted (base64url characters of the ciphertext). */
const MAX_SEALED_CHARS = 8 * 1024 * 1024;

/** What travels from the sender's node to the receiver's: public on its face, readable by the receiver only. */
export interface SealedShipmentEpcis {
  type: typeof SEALED_EPCIS_TYPE;
  shipment: string;
  enc: string;
  ciphertext: string;
}

export const sealedShipmentEpcisSchema = z.strictObject({
  type: z.literal(SEALED_EPCIS_TYPE),
  shipment: z.string().regex(SHIPMENT_ID_PATTERN),
  enc: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  ciphertext: z.string().max(MAX_SEALED_CHARS).regex(/^[A-Za-z0-9_-]+$/),
});

const bundleSchema = z.strictObject({
  type: z.literal(EPCIS_BUNDLE_TYPE),
  from: z.string(),
  to: z.string(),
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  document: z.unknown(),
});

/** The ledger commitment of a bundle's canonical bytes (32 bytes, base64url). */
export function epcisCommitmentOf(bundleBytes: Uint8Array): string {
  return toBase64Url(sha256(concatBytes(utf8(EPCIS_COMMITMENT_DOMAIN), bundleBytes)));
}

const aadOf = (to: string, commitment: string): Uint8Array => utf8(`${SEALED_EPCIS_TYPE}\n${to}\n${commitment}`);

/** The id of an EPC, or undefined if it is not one CareLedger reads. */
function idOfEpc(epc: string): string | undefined {
  try {
    return objectIdOfElements(elementsOfEpc(epc, 'epc'));
  } catch {
    return undefined;
  }
}

/**
 * The containers that held any of `ids`, from the packing events among
 * `events` (a case packed onto a pallet: the pallet too), `ids` included.
 */
function withAncestors(events: readonly EpcisEvent[], ids: readonly string[], idOf: (epc: string) => string | undefined): Set<string> {
  const scope = new Set(ids);
  for (let depth = 0, grew = true; grew && depth < 8; depth++) {
    grew = false;
    for (const e of events) {
      if (e.type !== 'AggregationEvent' || e.action !== 'ADD' || e.parentID === undefined) continue;
      const parent = idOf(e.parentID);
      if (parent === undefined || scope.has(parent)) continue;
      if ((e.childEPCs ?? []).some((c) => scope.has(idOf(c) ?? ''))) {
        scope.add(parent);
        grew = true;
      }
    }
  }
  return scope;
}

/**
 * The events this node holds about `ids`, each cut down to them and the
 * containers that held them, oldest first, without repeats.
 */
export function eventsAbout(ctx: SupplyContext, ids: readonly string[]): EpcisEvent[] {
  const store = ctx.epcis?.store;
  if (store === undefined) return [];
  const found = store.eventsOf(ids, MAX_EVENTS_PER_OBJECT);
  const memo = new Map<string, string | undefined>();
  const idOf = (epc: string) => {
    if (!memo.has(epc)) memo.set(epc, idOfEpc(epc));
    return memo.get(epc);
  };
  const scope = withAncestors(found, ids, idOf);
  const inScope = (epc: string) => scope.has(idOf(epc) ?? '');
  const out: EpcisEvent[] = [];
  const shown = new Set<string>();
  for (const event of found) {
    const scoped = scopedEvent(event, inScope);
    if (scoped === undefined) continue;
    const key = eventKeyOf(scoped);
    if (shown.has(key)) continue;
    shown.add(key);
    out.push(scoped);
  }
  return out.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
}

/**
 * Builds and seals the EPCIS bundle of a shipment about to be shipped:
 * undefined when this node keeps no EPCIS data or the receiver has no
 * registered HPKE key (the shipment then carries no commitment).
 */
export function sealShipmentEpcis(ctx: SupplyContext, to: string, shippedIds: readonly string[], shipping: EpcisEvent): { commitment: string; enc: string; ciphertext: string } | undefined {
  if (ctx.epcis === undefined) return undefined;
  const key = fromBase64Url(orgHpkePublicKey(ctx.ledger.state, to) ?? '');
  if (key?.byteLength !== 32) return undefined;
  const history = eventsAbout(ctx, withDescendants(ctx.ledger.state, shippedIds));
  const bundle = {
    type: EPCIS_BUNDLE_TYPE,
    from: ctx.orgId,
    to,
    salt: toBase64Url(randomBytes(16)),
    document: epcisDocument(ctx.ledger.now(), [...history, shipping]),
  };
  const bytes = canonicalBytes(bundle as unknown as JsonValue);
  const commitment = epcisCommitmentOf(bytes);
  const sealed = hpkeSeal(key, HPKE_INFO, aadOf(to, commitment), bytes);
  return { commitment, enc: toBase64Url(sealed.enc), ciphertext: toBase64Url(sealed.ct) };
}

const refuse = (field: 'sealed' | 'epcis', message: string, cause?: unknown) =>
  new CareLedgerError('CONFLICT', message, cause === undefined ? { field } : { field, cause });

/**
 * Opens a sealed shipment bundle addressed to this organisation, checks it
 * against the ledger and keeps its events. NOT_FOUND for a shipment that is
 * unknown, not to this organisation or carries no commitment (alike);
 * CONFLICT `sealed` / `epcis` as above. Idempotent.
 */
export function acceptShipmentEpcis(ctx: SupplyContext, input: unknown): { shipmentId: string; events: number } {
  const sealed = parseOrThrow(sealedShipmentEpcisSchema, input, 'body');
  const shipment = getShipment(ctx.ledger.state, sealed.shipment);
  if (shipment === undefined || shipment.to !== ctx.orgId || shipment.epcis === undefined) throw new CareLedgerError('NOT_FOUND', 'no such shipment');
  if (ctx.epcis === undefined) throw new CareLedgerError('UNAVAILABLE', 'this node keeps no EPCIS data');
  const enc = fromBase64Url(sealed.enc);
  const ct = fromBase64Url(sealed.ciphertext);
  let bytes: Uint8Array;
  try {
    bytes = hpkeOpen(ctx.epcis.hpkePrivateKey, { enc: enc ?? new Uint8Array(0), ct: ct ?? new Uint8Array(0) }, HPKE_INFO, aadOf(ctx.orgId, shipment.epcis));
  } catch (cause) {
    throw refuse('sealed', 'the sealed EPCIS bundle does not open with this node key for this shipment', cause);
  }
  if (epcisCommitmentOf(bytes) !== shipment.epcis) throw refuse('epcis', "the EPCIS bundle does not match the shipment's commitment on the ledger");
  const events = eventsOfBundle(bytes, shipment.from, ctx.orgId);
  const shipping = events.findLast((e) => e.bizStep === 'shipping');
  const shippedIds = (shipping?.epcList ?? []).map(idOfEpc);
  const expected = new Set(shipment.objects);
  if (shippedIds.length !== expected.size || !shippedIds.every((id) => id !== undefined && expected.has(id))) {
    throw refuse('epcis', "the bundle's shipping event does not name the shipment's objects");
  }
  // Every event of the bundle is found under everything the shipment carried (the query cuts each down).
  const carried = withDescendants(ctx.ledger.state, shipment.objects);
  ctx.epcis.store.put(events.map((event) => storedOf(ctx, event, carried, event === shipping ? sealed.shipment : undefined)));
  return { shipmentId: sealed.shipment, events: events.length };
}

function eventsOfBundle(bytes: Uint8Array, from: string, to: string): EpcisEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw refuse('epcis', 'the EPCIS bundle is not JSON', cause);
  }
  const bundle = bundleSchema.safeParse(json);
  if (!bundle.success || bundle.data.from !== from || bundle.data.to !== to) throw refuse('epcis', 'the EPCIS bundle is not from the sender to this organisation');
  const doc = epcisDocumentSchema.safeParse(bundle.data.document);
  if (!doc.success) throw refuse('epcis', 'the EPCIS bundle does not hold an EPCIS 2.0 document');
  return doc.data.epcisBody.eventList.map((raw) => {
    const event = eventSchema.safeParse(raw);
    if (!event.success || typeof (raw as { eventID?: unknown }).eventID !== 'string') throw refuse('epcis', 'an event of the EPCIS bundle is malformed');
    return raw as EpcisEvent;
  });
}

function storedOf(ctx: SupplyContext, event: EpcisEvent, carried: readonly string[], shipment: string | undefined): StoredEpcisEvent {
  const epcs = [...(event.epcList ?? []), ...(event.childEPCs ?? []), ...(event.parentID === undefined ? [] : [event.parentID])];
  const ids = epcs.map(idOfEpc).filter((id): id is string => id !== undefined);
  return { key: eventKeyOf(event), objectIds: [...new Set([...withDescendants(ctx.ledger.state, ids), ...carried])], shipment, event };
}
