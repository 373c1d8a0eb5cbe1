// The governance contract: genesis, proposals and approvals, org updates
// (ARCHITECTURE section 5).
import type { Contract } from '../../ledger/contract.js';
import { genesis } from './genesis.js';
import { approve, execute, propose } from './proposals.js';
import { updateOrg } from './update-org.js';
import { GOVERNANCE_CONTRACT } from './keys.js';

export { GOVERNANCE_CONTRACT };

export const governanceContract: Contract = {
  name: GOVERNANCE_CONTRACT,
  version: 1,
  actions: {
    genesis,
    propose,
    approve,
    execute,
    'update-org': updateOrg,
  },
};
