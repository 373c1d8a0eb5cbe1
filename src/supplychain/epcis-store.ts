// The off-ledger EPCIS event store's port (issue 12, items 4 and 6): what a
// node keeps of the events it captured or received sealed from a trading
// partner, indexed by the hashed object ids the ledger uses. The node's
// implementation is node/wiring/supply-events.ts (node-local SQLite, each
// event sealed with AES-256-GCM under a data key wrapped by the node's KEK);
// memoryEventStore serves tests.
import type { KeyObject } from 'node:crypto';

/** An EPCIS 2.0 event as JSON (ObjectEvent or AggregationEvent, the fields CareLedger writes). */
export interface EpcisEvent {
  [k: string]: unknown;
  type: 'ObjectEvent' | 'AggregationEvent';
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  action: 'ADD' | 'OBSERVE' | 'DELETE';
  bizStep: string;
  disposition?: string;
  epcList?: string[];
  parentID?: string;
  childEPCs?: string[];
}

/** One event as stored: its row key, the hashed object ids it is found under, and the event. */
export interface StoredEpcisEvent {
  key: string;
  objectIds: string[];
  /** The shipment this event opened, for finding it again at receipt. */
  shipment?: string | undefined;
  event: EpcisEvent;
}

/**
 * The off-ledger event store of one node. Implementations encrypt at rest;
 * `put` is idempotent by key; `eventsOf` answers in the order stored.
 */
export interface EpcisEventStore {
  put(events: readonly StoredEpcisEvent[]): void;
  /** Events found under any of the hashed object ids (or shipment ids), each once, oldest first, at most `max`. */
  eventsOf(objectIds: readonly string[], max: number): EpcisEvent[];
}

/** What a node adds to the service for EPCIS data: its event store and its HPKE private key (to open bundles). */
export interface EpcisOffLedger {
  store: EpcisEventStore;
  /** The organisation's X25519 private key (the one governance lists as hpkePublicKey). */
  hpkePrivateKey: KeyObject;
}

/** An in-memory store (tests, and a node without a data directory). */
export function memoryEventStore(): EpcisEventStore {
  const rows = new Map<string, EpcisEvent>();
  const index = new Map<string, string[]>();
  return {
    put(events) {
      for (const e of events) {
        if (rows.has(e.key)) continue;
        rows.set(e.key, e.event);
        for (const id of new Set([...e.objectIds, ...(e.shipment === undefined ? [] : [e.shipment])])) index.set(id, [...(index.get(id) ?? []), e.key]);
      }
    },
    eventsOf(objectIds, max) {
      const keys = new Set(objectIds.flatMap((id) => index.get(id) ?? []));
      return [...rows.keys()].filter((k) => keys.has(k)).slice(0, max).map((k) => rows.get(k) as EpcisEvent);
    },
  };
}

