// The access contract (ARCHITECTURE section 5, docs/privacy.md): the
// tamper-evidence of the custodians' access logs (per-patient chain heads
// under blinded ids), break-glass review by opaque reference, and integrity
// or exchange incidents between custodians. The events themselves stay with
// their custodian, off the ledger.
import { ACCESS_CONTRACT } from './keys.js';
import type { Contract } from '../../ledger/contract.js';
import { anchorAccess } from './anchor.js';
import { reportIncident, reviewBreakGlass } from './review.js';

export { ACCESS_CONTRACT };

/** The access contract, version 2 (version 1 recorded events in clear). */
export const accessContract: Contract = {
  name: ACCESS_CONTRACT,
  version: 2,
  actions: {
    anchor: anchorAccess,
    'review-break-glass': reviewBreakGlass,
    'report-incident': reportIncident,
  },
};
