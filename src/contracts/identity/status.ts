// delegationStatus lives in identity/keys.ts (the identity vocabulary other
// contracts and layers may import); this module keeps its old import path.
export { delegationStatus, delegationGrants } from './keys.js';
export type { DelegationStatus, EndReason } from './keys.js';
