// The EPCIS 2.0 event data of a trading partner, kept OFF the ledger (issue
// 12, items 4 and 6). The ledger holds hashed ids and commitments only; the
// events themselves (EPCs in clear, times, parties) stay at the node that
// captured them, in an encrypted store behind the EpcisEventStore port
// (node/wiring/supply-events.ts: node-local SQLite, AES-256-GCM under a data
// key wrapped by the node's KEK), indexed by the same hashed object ids the
// ledger uses. Events reach a trading partner only sealed to it with a
// shipment (epcis-bundle.ts). The commands record an event after their
// transaction committed, never before.
import { randomUUID } from 'node:crypto';
import { canonicalBytes, sha256, toBase64Url, utf8 } from '../crypto/index.js';
import { containerIdOf, getContainer, packIdOf, type DecommissionReason } from '../contracts/supplychain/index.js';
import type { JsonValue, StateReader } from '../ledger/index.js';
import { formatDigitalLink, type Gs1Elements } from './gs1.js';
import { packScanOf, parseScanAt } from './identifiers.js';
import type { SupplyContext } from './ledger.js';
import type { EpcisEvent } from './epcis-store.js';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
/** The URI of a consortium organisation as an EPCIS source or destination (owning_party). */
export const ORG_URI_PREFIX = 'urn:careledger:org:';
/** Domain of a stored event's row key: SHA-256(domain || JCS(event)). */
const EVENT_KEY_DOMAIN = 'careledger.sc.epcis-event/1\n';
/** Most events one query or one shipment bundle carries. */
export const MAX_EVENTS_PER_OBJECT = 1000;
/** Deepest nesting walked, and most descendants collected, when indexing a container's contents. */
const MAX_DESCENDANTS = 20_000;

/** The canonical EPC of a pack (Digital Link 01 + 21, no lot) or logistic unit (00). */
export function epcOfElements(e: Gs1Elements): string {
  return e.gtin === undefined ? formatDigitalLink({ sscc: e.sscc ?? '' }) : formatDigitalLink({ gtin: e.gtin, serial: e.serial ?? '' });
}

/** The ledger id of GS1 elements: a pack (GTIN + serial) or a container (SSCC). */
export function objectIdOfElements(e: Gs1Elements): string {
  return e.gtin === undefined ? containerIdOf(e.sscc ?? '') : packIdOf(e.gtin, e.serial ?? '');
}

/** A scan (element string, bracketed, Digital Link) as its canonical EPC and ledger id. */
export function epcOfScan(scan: string, where: string): { epc: string; id: string } {
  const e = parseScanAt(scan, where);
  // As objectIdOf: an SSCC alone is a logistic unit, anything else must be a pack (GTIN + serial).
  const pack = e.sscc !== undefined && e.gtin === undefined ? undefined : packScanOf(e, where);
  const object: Gs1Elements = pack === undefined ? { sscc: e.sscc ?? '' } : { gtin: pack.gtin, serial: pack.serial };
  return { epc: epcOfElements(object), id: objectIdOfElements(object) };
}

/** The ids of everything inside the containers among `ids` (from committed state), the ids themselves included. */
export function withDescendants(state: StateReader, ids: readonly string[]): string[] {
  const out = new Set<string>(ids);
  const queue = [...ids];
  for (let depth = 0; depth < 8 && queue.length > 0 && out.size < MAX_DESCENDANTS; depth++) {
    const next: string[] = [];
    for (const id of queue.splice(0)) {
      for (const child of getContainer(state, id)?.children ?? []) {
        if (!out.has(child)) {
          out.add(child);
          next.push(child);
        }
      }
    }
    queue.push(...next);
  }
  return [...out];
}

export function eventKeyOf(event: EpcisEvent): string {
  return toBase64Url(sha256(new Uint8Array([...utf8(EVENT_KEY_DOMAIN), ...canonicalBytes(event as unknown as JsonValue)])));
}

function base(ctx: SupplyContext, type: EpcisEvent['type'], action: EpcisEvent['action'], bizStep: string): EpcisEvent {
  return { type, eventID: `urn:uuid:${randomUUID()}`, eventTime: ctx.ledger.now(), eventTimeZoneOffset: '+00:00', action, bizStep };
}

export const orgUri = (orgId: string): string => ORG_URI_PREFIX + orgId;

export function commissioningEvent(ctx: SupplyContext, input: { gtin: string; lot: string; expiry: string; serials: readonly string[] }): EpcisEvent {
  const expiry = `20${input.expiry.slice(0, 2)}-${input.expiry.slice(2, 4)}-${input.expiry.slice(4, 6)}`;
  return {
    ...base(ctx, 'ObjectEvent', 'ADD', 'commissioning'),
    disposition: 'active',
    epcList: input.serials.map((serial) => epcOfElements({ gtin: input.gtin, serial })),
    ilmd: { 'cbvmda:lotNumber': input.lot, 'cbvmda:itemExpirationDate': expiry },
  };
}

export function aggregationEvent(ctx: SupplyContext, action: 'ADD' | 'DELETE', parentEpc: string, childEpcs: readonly string[]): EpcisEvent {
  return { ...base(ctx, 'AggregationEvent', action, action === 'ADD' ? 'packing' : 'unpacking'), parentID: parentEpc, childEPCs: [...childEpcs] };
}

export function shippingEvent(ctx: SupplyContext, to: string, epcs: readonly string[]): EpcisEvent {
  return {
    ...base(ctx, 'ObjectEvent', 'OBSERVE', 'shipping'),
    disposition: 'in_transit',
    epcList: [...epcs],
    sourceList: [{ type: 'owning_party', source: orgUri(ctx.orgId) }],
    destinationList: [{ type: 'owning_party', destination: orgUri(to) }],
  };
}

export function receivingEvent(ctx: SupplyContext, from: string, epcs: readonly string[]): EpcisEvent {
  return {
    ...base(ctx, 'ObjectEvent', 'OBSERVE', 'receiving'),
    disposition: 'in_progress',
    epcList: [...epcs],
    sourceList: [{ type: 'owning_party', source: orgUri(from) }],
    destinationList: [{ type: 'owning_party', destination: orgUri(ctx.orgId) }],
  };
}

/** CBV 2.0 business step and disposition of each way a pack leaves the supply chain. */
const DECOMMISSION_CBV: Record<DecommissionReason, { bizStep: string; disposition: string }> = {
  dispensed: { bizStep: 'dispensing', disposition: 'dispensed' },
  destroyed: { bizStep: 'destroying', disposition: 'destroyed' },
  stolen: { bizStep: 'decommissioning', disposition: 'stolen' },
  sample: { bizStep: 'decommissioning', disposition: 'disposed' },
  exported: { bizStep: 'decommissioning', disposition: 'inactive' },
};

export function decommissionEvent(ctx: SupplyContext, reason: DecommissionReason, epcs: readonly string[]): EpcisEvent {
  const cbv = DECOMMISSION_CBV[reason];
  return { ...base(ctx, 'ObjectEvent', 'DELETE', cbv.bizStep), disposition: cbv.disposition, epcList: [...epcs] };
}

/**
 * Stores committed events at this node, each under the ids of its EPCs and,
 * for containers, of everything inside them (so a pack's query finds the
 * shipping of its pallet). `extra` adds ids known before the transaction
 * (an unpacked container's former children). No store: nothing to do.
 */
export function recordEvents(ctx: SupplyContext, items: ReadonlyArray<{ event: EpcisEvent; ids: readonly string[]; extra?: readonly string[]; shipment?: string }>): void {
  const store = ctx.epcis?.store;
  if (store === undefined) return;
  store.put(
    items.map(({ event, ids, extra, shipment }) => ({
      key: eventKeyOf(event),
      objectIds: [...new Set([...withDescendants(ctx.ledger.state, ids), ...(extra ?? [])])],
      shipment,
      event,
    })),
  );
}

/** A document of events (EPCISDocument, EPCIS 2.0 JSON-LD). */
export function epcisDocument(creationDate: string, eventList: readonly EpcisEvent[]): { [k: string]: unknown } {
  return { '@context': [EPCIS_CONTEXT], type: 'EPCISDocument', schemaVersion: '2.0', creationDate, epcisBody: { eventList: [...eventList] } };
}

/**
 * An event cut down to the objects in scope: EPCs of other objects are left
 * out of epcList and childEPCs (a commissioning of 1,000 packs disclosed for
 * one pack names that pack only); undefined when nothing of it is in scope.
 * An aggregation keeps its parentID (the container held what is in scope).
 */
export function scopedEvent(event: EpcisEvent, inScope: (epc: string) => boolean): EpcisEvent | undefined {
  const out: EpcisEvent = { ...event };
  if (event.epcList !== undefined) out.epcList = event.epcList.filter(inScope);
  if (event.childEPCs !== undefined) out.childEPCs = event.childEPCs.filter(inScope);
  const objects = (out.epcList?.length ?? 0) + (out.childEPCs?.length ?? 0);
  if (event.type === 'AggregationEvent') {
    const parentIn = event.parentID !== undefined && inScope(event.parentID);
    // Also kept for its container alone (an unpacking without children means "all of them").
    return objects > 0 || parentIn ? out : undefined;
  }
  return objects > 0 ? out : undefined;
}
