// Public face of the key registry's state vocabulary (namespace 'keys').
export { KEYS_NAMESPACE, SCAN_PAGE, asObject, stringsOf, pageOf, allOf, keyRecordKey, getKey, getActiveKey, isActiveOrgKey } from './keys.js';
export type { JsonObject, Page, StateScan, KeyKind, KeyRecord } from './keys.js';
export { keyRecord } from './queries.js';
