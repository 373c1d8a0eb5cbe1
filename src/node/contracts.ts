// The built-in contracts of this network version, in one registry.
import { ContractRegistry } from '../ledger/index.js';
import { governanceContract } from '../contracts/governance/index.js';
import { identityContract } from '../contracts/identity/index.js';

export function defaultRegistry(): ContractRegistry {
  return new ContractRegistry([governanceContract, identityContract]);
}
