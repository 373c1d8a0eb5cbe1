// HTTP-free queries over the key registry for the doors (GET /keys/<keyId>).
import type { KeyRecord, StateReader } from './keys.js';
import { getKey } from './keys.js';

/** A key's registry entry (any status), undefined if never registered. */
export function keyRecord(reader: StateReader, keyId: string): KeyRecord | undefined {
  return getKey(reader, keyId);
}
