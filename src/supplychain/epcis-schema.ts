// The shapes of EPCIS 2.0 JSON documents and events CareLedger reads
// (capture, and the bundles partners seal to each other), checked with zod
// before anything else looks at them.
import { z } from 'zod';

export const MAX_EPCIS_EVENTS = 100;
const epcs = z.array(z.string().min(1).max(512)).max(10_000);
const eventBase = {
  eventTime: z.string().min(1).max(64),
  eventTimeZoneOffset: z.string().max(8).optional(),
  bizStep: z.string().max(128).optional(),
  disposition: z.string().max(128).optional(),
};
export const eventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('ObjectEvent'), action: z.enum(['ADD', 'OBSERVE', 'DELETE']), epcList: epcs.default([]), ilmd: z.record(z.string(), z.unknown()).optional(), destinationList: z.array(z.looseObject({ type: z.string(), destination: z.string() })).optional(), ...eventBase }),
  z.looseObject({ type: z.literal('AggregationEvent'), action: z.enum(['ADD', 'OBSERVE', 'DELETE']), parentID: z.string().max(512).optional(), childEPCs: epcs.default([]), ...eventBase }),
  z.looseObject({ type: z.literal('TransactionEvent'), action: z.enum(['ADD', 'OBSERVE', 'DELETE']), epcList: epcs.default([]), destinationList: z.array(z.looseObject({ type: z.string(), destination: z.string() })).optional(), ...eventBase }),
]);
export const epcisDocumentSchema = z.looseObject({
  type: z.literal('EPCISDocument'),
  schemaVersion: z.string().regex(/^2\.\d+$/),
  creationDate: z.string().min(1).max(64),
  epcisBody: z.looseObject({ eventList: z.array(z.unknown()).min(1).max(MAX_EPCIS_EVENTS) }),
});

