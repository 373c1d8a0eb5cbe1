// The state vocabulary of the ledger's key registry (namespace 'keys', key =
// key id), written by governance and identity and read by the executor, the
// contracts and the services. It is the lowest vocabulary module: every
// contract's keys.ts may import it, and it also holds the two helpers every
// reader of stored JSON needs (asObject, stringsOf) and the scan signature the
// query functions take, so they are written once.
import { KEYS_NAMESPACE, type JsonValue, type KeyKind, type KeyRecord, type StateReader } from '../../ledger/contract.js';
import { CareLedgerError } from '../../errors/index.js';
import type { StateRow } from '../../ledger/port.js';

export { KEYS_NAMESPACE };
export type { KeyKind, KeyRecord, StateReader, StateRow };

/** A stored JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The value as a JSON object, undefined for anything else (absent, null, array, scalar). */
export function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** The string entries of a stored list ([] when the value is not a list). */
export function stringsOf(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Committed state rows whose key starts with `prefix`, in key order, after
 * `afterKey` if given (the `scan` of LedgerPort in src/ledger/port.ts).
 */
export type StateScan = (namespace: string, prefix: string, limit: number, afterKey?: string) => StateRow[];

/** One page of a listing: the values, and the cursor (key suffix after the prefix) of the next page or null. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * One page of the values under `prefix`, after the entry whose key is
 * `prefix + after` (cursor as the registry doors spell it).
 */
export function pageOf<T = JsonValue>(scan: StateScan, namespace: string, prefix: string, limit: number, after?: string): Page<T> {
  const rows = scan(namespace, prefix, limit, after === undefined ? undefined : prefix + after);
  const last = rows.at(-1);
  return { items: rows.map((r) => r.value as T), next: rows.length === limit && last !== undefined ? last.key.slice(prefix.length) : null };
}

/** Rows a full listing reads per scan. */
export const SCAN_PAGE = 500;

/** Every value under `prefix` in key order; TOO_LARGE once more than `max` would be returned. */
export function allOf<T = JsonValue>(scan: StateScan, namespace: string, prefix: string, max: number): T[] {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const rows = scan(namespace, prefix, SCAN_PAGE, cursor);
    for (const r of rows) {
      out.push(r.value as T);
      if (out.length >= max) throw new CareLedgerError('TOO_LARGE', `more than ${max} rows`);
    }
    if (rows.length < SCAN_PAGE) return out;
    cursor = rows.at(-1)!.key;
  }
}

/** The registry key of a key id (the key id itself). */
export const keyRecordKey = (keyId: string): string => keyId;

/** A key's registry entry (any status), undefined if never registered. */
export function getKey(reader: StateReader, keyId: string): KeyRecord | undefined {
  return asObject(reader.get(KEYS_NAMESPACE, keyRecordKey(keyId))) as KeyRecord | undefined;
}

/** A key's registry entry if it is active. */
export function getActiveKey(reader: StateReader, keyId: string): KeyRecord | undefined {
  const key = getKey(reader, keyId);
  return key?.status === 'active' ? key : undefined;
}

/** Whether keyId is an active key of `kind` belonging to organisation `org`. */
export function isActiveOrgKey(reader: StateReader, kind: KeyKind, org: string, keyId: string): boolean {
  const key = getKey(reader, keyId);
  return key?.kind === kind && key.status === 'active' && key.org === org;
}
