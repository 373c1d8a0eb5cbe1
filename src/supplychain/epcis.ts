// EPCIS 2.0 capture (GS1 EPCIS 2.0 JSON-LD, CBV 2.0): an EPCISDocument's
// events become supply-chain commands. The whole document is checked first
// (schema, EPCs, CBV vocabulary, one plan per event), so a malformed document
// writes nothing and its error names the event and field; then the events run
// in order, and a refusal stops the capture, naming the event (earlier events
// stay committed, as in EPCIS capture without a transaction).
//   ObjectEvent ADD commissioning (ilmd lotNumber, itemExpirationDate) -> commission
//   AggregationEvent ADD packing / DELETE unpacking                  -> aggregate / disaggregate
//   ObjectEvent or TransactionEvent shipping (destinationList owning_party) -> ship
//   ObjectEvent receiving                                            -> receive the inbound shipment carrying the EPCs
//   ObjectEvent DELETE dispensing / destroying / decommissioning     -> decommission (dispensing verifies first)
import type { z } from 'zod';
import { CareLedgerError, parseOrThrow } from '../errors/index.js';
import { getShipment, packIdOf, containerIdOf, type DecommissionReason } from '../contracts/supplychain/index.js';
import { aggregate, commission, decommission, disaggregate, receive, ship, type DecommissionOutcome } from './commands.js';
import { elementsOfEpc } from './epc.js';
import { formatDigitalLink, type Gs1Elements } from './gs1.js';
import type { SupplyContext } from './ledger.js';
import { listInbound } from './reads.js';
import { eventSchema, epcisDocumentSchema } from './epcis-schema.js';

export { MAX_EPCIS_EVENTS, eventSchema, epcisDocumentSchema } from './epcis-schema.js';

type EpcisEvent = z.infer<typeof eventSchema>;

type Plan =
  | { kind: 'commission'; gtin: string; lot: string; expiry: string; serials: string[] }
  | { kind: 'aggregate'; sscc: string; children: string[] }
  | { kind: 'disaggregate'; sscc: string; children?: string[] }
  | { kind: 'ship'; to: string; objects: string[] }
  | { kind: 'receive'; objectIds: string[] }
  | { kind: 'decommission'; scans: string[]; reason: DecommissionReason };

/** A CBV 2.0 value in any of its spellings (bare, urn:epcglobal:cbv:..., https://ref.gs1.org/cbv/...). */
function cbv(value: string | undefined, vocabulary: 'bizstep' | 'disp'): string | undefined {
  if (value === undefined) return undefined;
  const urn = new RegExp(`^urn:epcglobal:cbv:${vocabulary}:`);
  const web = new RegExp(`^https://ref\\.gs1\\.org/cbv/${vocabulary === 'bizstep' ? 'BizStep' : 'Disp'}-`);
  return value.replace(urn, '').replace(web, '');
}

const ORG = /^(?:urn:careledger:org:)?([a-z0-9][a-z0-9-]{1,62})$/;

function bad(where: string, message: string): CareLedgerError {
  return new CareLedgerError('MALFORMED', `${where}: ${message}`, { field: where });
}

/** A scan string (Digital Link) of an EPC, for the commands. */
function scanOfEpc(epc: string, where: string): string {
  const e = elementsOfEpc(epc, where);
  return e.gtin === undefined ? `(00)${e.sscc ?? ''}` : formatDigitalLink(e);
}

function ssccOf(epc: string | undefined, where: string): string {
  if (epc === undefined) throw bad(where, 'is required');
  const e = elementsOfEpc(epc, where);
  if (e.sscc === undefined) throw bad(where, 'must be an SSCC');
  return e.sscc;
}

function objectIdOfElements(e: Gs1Elements): string {
  return e.gtin === undefined ? containerIdOf(e.sscc ?? '') : packIdOf(e.gtin, e.serial ?? '');
}

/** YYYY-MM-DD to YYMMDD. */
function yymmdd(date: unknown, where: string): string {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw bad(where, 'must be a date YYYY-MM-DD');
  return date.slice(2, 4) + date.slice(5, 7) + date.slice(8, 10);
}

function planOf(event: EpcisEvent, where: string): Plan {
  const step = cbv(event.bizStep, 'bizstep');
  if (event.type === 'AggregationEvent') {
    const children = event.childEPCs.map((epc, i) => scanOfEpc(epc, `${where}.childEPCs.${i}`));
    if (event.action === 'ADD' && step === 'packing') {
      if (children.length === 0) throw bad(`${where}.childEPCs`, 'is empty');
      return { kind: 'aggregate', sscc: ssccOf(event.parentID, `${where}.parentID`), children };
    }
    if (event.action === 'DELETE' && step === 'unpacking') {
      return { kind: 'disaggregate', sscc: ssccOf(event.parentID, `${where}.parentID`), ...(children.length === 0 ? {} : { children }) };
    }
  } else if (step === 'shipping') {
    const owner = event.destinationList?.find((d) => cbv(d.type, 'disp')?.endsWith('owning_party'));
    const to = owner === undefined ? undefined : ORG.exec(owner.destination)?.[1];
    if (to === undefined) throw bad(`${where}.destinationList`, 'needs an owning_party destination naming a member organisation');
    if (event.epcList.length === 0) throw bad(`${where}.epcList`, 'is empty');
    return { kind: 'ship', to, objects: event.epcList.map((epc, i) => scanOfEpc(epc, `${where}.epcList.${i}`)) };
  } else if (event.type === 'ObjectEvent') {
    const elements = event.epcList.map((epc, i) => elementsOfEpc(epc, `${where}.epcList.${i}`));
    if (elements.length === 0) throw bad(`${where}.epcList`, 'is empty');
    if (event.action === 'ADD' && step === 'commissioning') {
      const gtin = elements[0]?.gtin;
      const bad1 = elements.findIndex((e) => e.gtin === undefined || e.gtin !== gtin || e.serial === undefined);
      if (bad1 >= 0) throw bad(`${where}.epcList.${bad1}`, 'commissioning takes SGTINs of one GTIN');
      const ilmd = event.ilmd ?? {};
      const lot = ilmd['cbvmda:lotNumber'] ?? ilmd['lotNumber'];
      if (typeof lot !== 'string') throw bad(`${where}.ilmd`, 'needs cbvmda:lotNumber');
      const expiry = yymmdd(ilmd['cbvmda:itemExpirationDate'] ?? ilmd['itemExpirationDate'], `${where}.ilmd.cbvmda:itemExpirationDate`);
      return { kind: 'commission', gtin: gtin as string, lot, expiry, serials: elements.map((e) => e.serial as string) };
    }
    if (step === 'receiving') return { kind: 'receive', objectIds: elements.map(objectIdOfElements) };
    if (event.action === 'DELETE') {
      const disposition = cbv(event.disposition, 'disp');
      const reason: DecommissionReason | undefined =
        step === 'dispensing' ? 'dispensed'
        : step === 'destroying' ? 'destroyed'
        : step === 'decommissioning' && disposition === 'stolen' ? 'stolen'
        : step === 'decommissioning' && (disposition === 'destroyed' || disposition === 'disposed') ? 'destroyed'
        : undefined;
      if (reason === undefined) throw bad(`${where}.disposition`, 'decommissioning needs disposition stolen, destroyed or disposed');
      return { kind: 'decommission', scans: event.epcList.map((epc, i) => scanOfEpc(epc, `${where}.epcList.${i}`)), reason };
    }
  }
  throw bad(`${where}.bizStep`, `unsupported event: ${event.type} ${event.action} ${step ?? '(no bizStep)'}`);
}

/** Checks an EPCIS document and plans its commands; throws MALFORMED naming the event and field. */
export function planCapture(document: unknown): Plan[] {
  const doc = parseOrThrow(epcisDocumentSchema, document, 'document');
  return doc.epcisBody.eventList.map((raw, i) => {
    const where = `epcisBody.eventList.${i}`;
    const r = eventSchema.safeParse(raw);
    if (!r.success) {
      const path = r.error.issues[0]?.path.map(String).join('.') ?? '';
      throw bad(path === '' ? where : `${where}.${path}`, r.error.issues[0]?.message ?? 'invalid event');
    }
    return planOf(r.data, where);
  });
}

/** The open inbound shipment carrying all of `objectIds`, NOT_FOUND if none. */
function inboundCarrying(ctx: SupplyContext, objectIds: readonly string[], where: string): string {
  for (let after: string | undefined, page = 0; page < 20; page++) {
    const { items, next } = listInbound(ctx, { limit: 100, after });
    for (const item of items) {
      const objects = getShipment(ctx.ledger.state, item.shipmentId)?.objects ?? [];
      if (objectIds.every((id) => objects.includes(id))) return item.shipmentId;
    }
    if (next === null) break;
    after = next;
  }
  throw new CareLedgerError('NOT_FOUND', `${where}: no shipment on its way to this organisation carries these EPCs`, { field: where });
}

export interface CaptureResult {
  events: number;
  results: Array<{ kind: Plan['kind']; shipmentId?: string; refused?: DecommissionOutcome }>;
}

/** Captures an EPCIS 2.0 document: checks it whole, then runs its events in order. */
export async function captureEpcis(ctx: SupplyContext, document: unknown): Promise<CaptureResult> {
  const plans = planCapture(document);
  const results: CaptureResult['results'] = [];
  for (const [i, plan] of plans.entries()) {
    const where = `epcisBody.eventList.${i}`;
    try {
      switch (plan.kind) {
        case 'commission':
          await commission(ctx, plan);
          results.push({ kind: plan.kind });
          break;
        case 'aggregate':
          await aggregate(ctx, plan);
          results.push({ kind: plan.kind });
          break;
        case 'disaggregate':
          await disaggregate(ctx, plan);
          results.push({ kind: plan.kind });
          break;
        case 'ship':
          results.push({ kind: plan.kind, shipmentId: (await ship(ctx, plan)).shipmentId });
          break;
        case 'receive': {
          const shipmentId = inboundCarrying(ctx, plan.objectIds, where);
          await receive(ctx, { shipment: shipmentId });
          results.push({ kind: plan.kind, shipmentId });
          break;
        }
        case 'decommission': {
          const outcome = await decommission(ctx, plan);
          if ('refused' in outcome) throw new CareLedgerError('CONFLICT', `${where}: a pack does not verify (${outcome.refused.find((o) => o.answer !== 'verified')?.answer ?? '?'})`, { field: where });
          results.push({ kind: plan.kind });
          break;
        }
      }
    } catch (e) {
      if (e instanceof CareLedgerError && !e.message.startsWith(where)) throw new CareLedgerError(e.code, `${where}: ${e.message}`, { field: e.field ?? where, cause: e });
      throw e;
    }
  }
  return { events: plans.length, results };
}
