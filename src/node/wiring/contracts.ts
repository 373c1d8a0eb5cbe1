// The built-in contracts of this network version, in one registry.
import { ContractRegistry } from '../../ledger/index.js';
import { accessContract } from '../../contracts/access/index.js';
import { consentContract } from '../../contracts/consent/index.js';
import { governanceContract } from '../../contracts/governance/index.js';
import { identityContract } from '../../contracts/identity/index.js';
import { recordsContract } from '../../contracts/records/index.js';
import { supplychainContract } from '../../contracts/supplychain/index.js';

export function defaultRegistry(): ContractRegistry {
  return new ContractRegistry([governanceContract, identityContract, consentContract, recordsContract, accessContract, supplychainContract]);
}
