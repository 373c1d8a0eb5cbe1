// The access contract (ARCHITECTURE section 5): the audit trail and the HIPAA
// accounting-of-disclosures source, break-glass review, and integrity or
// exchange incidents between custodians.
import type { Contract } from '../../ledger/contract.js';
import { recordAccess } from './record.js';
import { reportIncident, reviewBreakGlass } from './review.js';

export const ACCESS_CONTRACT = 'access';

/** The access contract, version 1. */
export const accessContract: Contract = {
  name: ACCESS_CONTRACT,
  version: 1,
  actions: {
    record: recordAccess,
    'review-break-glass': reviewBreakGlass,
    'report-incident': reportIncident,
  },
};
