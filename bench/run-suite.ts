// Runs one benchmark suite in a process of its own: `node dist/bench/run-suite.js
// <ledger|records|network|supply|trials|fhir|soak|scale> '<options as JSON>'`. `careledger bench` (src/cli/bench.ts)
// validates the flags and starts this file as a program, so the shipped CLI
// never imports bench/ code. Progress goes to stderr, the result to stdout
// as each suite prints it.
import { runLedgerBench, type LedgerBenchOptions } from './ledger.js';
import { runNetworkBench, type NetworkBenchOptions } from './network.js';
import { runTlsComparison } from './network-tls.js';
import { runRecordsBench, type RecordsBenchOptions } from './records.js';
import { runSoakBench, type SoakBenchOptions } from './soak.js';
import { runSupplyBench, type SupplyBenchOptions } from './supply.js';
import { runTrialsBench, type TrialsBenchOptions } from './trials.js';
import { runFhirBench, type FhirBenchOptions } from './fhir.js';
import { runScaleBench, type ScaleBenchOptions } from './scale.js';

const [suite, optionsJson] = process.argv.slice(2);
try {
  const options = JSON.parse(optionsJson ?? '{}') as unknown;
  if (suite === 'ledger') await runLedgerBench(options as LedgerBenchOptions);
  else if (suite === 'records') await runRecordsBench(options as RecordsBenchOptions);
  else if (suite === 'network' && (options as NetworkBenchOptions).tls === true) await runTlsComparison(options as NetworkBenchOptions);
  else if (suite === 'network') await runNetworkBench(options as NetworkBenchOptions);
  else if (suite === 'soak') await runSoakBench(options as SoakBenchOptions);
  else if (suite === 'supply') process.stdout.write(JSON.stringify(await runSupplyBench(options as SupplyBenchOptions)) + '\n');
  else if (suite === 'trials') await runTrialsBench(options as TrialsBenchOptions);
  else if (suite === 'fhir') await runFhirBench(options as FhirBenchOptions);
  else if (suite === 'scale') await runScaleBench(options as ScaleBenchOptions);
  else throw new Error(`unknown suite '${suite ?? ''}' (ledger, records, network, supply, trials, fhir, soak or scale)`);
} catch (error) {
  process.stderr.write(`careledger bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
