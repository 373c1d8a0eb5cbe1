// The supplychain contract (issue 12; ARCHITECTURE section 5): products and
// serialised packs, aggregation, two-party custody transfer,
// decommissioning, lot recall and quarantine, suspect and illegitimate
// product, and verification alerts, all over hashed ids and commitments.
import type { Contract } from '../../ledger/contract.js';
import { aggregate, disaggregate, receive, ship } from './custody.js';
import { commission, registerProduct } from './products.js';
import { decommission, flagSuspect, reportAlerts, resolveSuspect, setLotStatus } from './status.js';

export const SUPPLYCHAIN_CONTRACT = 'supplychain';

export const supplychainContract: Contract = {
  name: SUPPLYCHAIN_CONTRACT,
  version: 1,
  actions: {
    'register-product': registerProduct,
    commission,
    aggregate,
    disaggregate,
    ship,
    receive,
    decommission,
    'set-lot-status': setLotStatus,
    'flag-suspect': flagSuspect,
    'resolve-suspect': resolveSuspect,
    'report-alerts': reportAlerts,
  },
};
