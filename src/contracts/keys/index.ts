// Public face of the key registry's state vocabulary (namespace 'keys').
export { KEYS_NAMESPACE, asObject, stringsOf, keyRecordKey, getKey, getActiveKey, isActiveOrgKey } from './keys.js';
export type { JsonObject, StateScan, KeyKind, KeyRecord } from './keys.js';
export { keyRecord } from './queries.js';
