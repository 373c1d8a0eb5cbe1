#!/usr/bin/env node
// careledger: the command-line front door (init, start, keys, tx, consent, verify, bench,
// demo [--network N], token; demo-network is the older name of demo --network).
import { Command, CommanderError } from 'commander';
import { isCareLedgerError } from '../errors/index.js';
import { registerInit, registerStart } from './run.js';
import { registerKeys, registerTx } from './client.js';
import { registerConsent } from './consent.js';
import { registerSupply } from './supply.js';
import { registerTrials } from './trials.js';
import { registerMigrateLedger, registerVerify } from './verify.js';
import { registerBench } from './bench.js';
import { registerDemo, registerToken } from './demo.js';
import { registerDemoNetwork } from './demo-network.js';
import { registerImport } from './import.js';

const program = new Command()
  .name('careledger')
  .description('CareLedger: a permissioned ledger for patient-controlled health data')
  .version('0.1.0')
  .exitOverride();

registerInit(program);
registerStart(program);
registerKeys(program);
registerTx(program);
registerSupply(program);
registerConsent(program);
registerVerify(program);
registerMigrateLedger(program);
registerBench(program);
registerDemo(program);
registerToken(program);
registerTrials(program);
registerDemoNetwork(program);
registerImport(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (isCareLedgerError(error)) {
    process.stderr.write(`careledger: ${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`careledger: ${(error as Error).message}\n`);
  process.exit(2);
}
