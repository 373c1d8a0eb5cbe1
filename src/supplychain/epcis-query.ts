// GET /supplychain/v1/epcis/events?epc= (issue 12, item 4): a pack's (or a
// logistic unit's) events as an EPCIS 2.0 EPCISQueryDocument, from what THIS
// organisation's node holds off the ledger: the events it captured itself
// and those its suppliers sealed to it with shipments (epcis-bundle.ts).
// Entitlement follows from that: a node holds events about a pack only if its
// organisation commissioned it (the manufacturer) or held custody of it (or
// was shipped it). Everyone else, and an unknown EPC, gets the same answer:
// an empty event list, so the answer is no existence oracle. Each event is
// cut down to the queried object and the containers that held it.
import { CareLedgerError } from '../errors/index.js';
import { elementsOfEpc } from './epc.js';
import { EPCIS_CONTEXT, objectIdOfElements } from './epcis-events.js';
import { eventsAbout } from './epcis-bundle.js';
import { parseScanAt } from './identifiers.js';
import type { SupplyContext } from './ledger.js';

/** An EPC as EPCIS writes it (SGTIN/SSCC URN, Digital Link) or as a scanner delivers it. */
function idOfQueried(epc: string): string {
  try {
    const e = /^(urn:|https?:\/\/)/i.test(epc) ? elementsOfEpc(epc, 'epc') : parseScanAt(epc, 'epc');
    if (e.gtin !== undefined && e.serial === undefined) throw new CareLedgerError('MALFORMED', 'epc: a pack needs a GTIN (01) and a serial number (21)', { field: 'epc' });
    if (e.gtin === undefined && e.sscc === undefined) throw new CareLedgerError('MALFORMED', 'epc: names no pack or logistic unit', { field: 'epc' });
    return objectIdOfElements(e);
  } catch (e) {
    if (e instanceof CareLedgerError && e.code === 'MALFORMED') throw new CareLedgerError('MALFORMED', e.message.startsWith('epc') ? e.message : `epc: ${e.message}`, { field: 'epc', cause: e });
    throw e;
  }
}

/** The EPCIS 2.0 query result document for one EPC (SimpleEventQuery, MATCH_epc). */
export function queryEvents(ctx: SupplyContext, epc: string): { [k: string]: unknown } {
  const id = idOfQueried(epc);
  const eventList = eventsAbout(ctx, [id]);
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: ctx.ledger.now(),
    epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList } } },
  };
}
