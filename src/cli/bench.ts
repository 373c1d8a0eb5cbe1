// `careledger bench`: runs the benchmarks in bench/ (one file per subsystem).
// --suite ledger: the commit pipeline (bench/ledger.ts); --suite records: the
// health-records path (bench/records.ts); --suite all (default): both, the
// ledger first, then ONE JSON line on stdout with the ledger's fields at the
// top level, the records figures under `records` and, when etcd is on the
// PATH, the consortium figures under `network` (--suite network alone: three
// node processes on a three-member etcd cluster beside the embedded node).
import type { Command } from 'commander';

const SUITES = ['ledger', 'records', 'network', 'all'] as const;
type Suite = (typeof SUITES)[number];

interface BenchCliOptions {
  json?: boolean;
  suite: string;
  txs: string;
  clients: string;
  chunk: string;
  proofs: boolean;
  resources: string;
  consents: string;
  reads: string;
  decides: string;
  netTxs: string;
  netClients: string;
  netChunk: string;
}

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

/** Runs `fn` with its stdout lines sent to stderr, so the combined run prints one JSON line on stdout. */
async function toStderr<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark the commit pipeline (ledger) and the consented, audited FHIR read path (records), each against a baseline measured in the same run')
    .option('--json', 'print the result as JSON on the last line')
    .option('--suite <suite>', 'ledger | records | network | all', 'all')
    .option('--net-txs <n>', 'network: transactions per run (embedded and three nodes)', '6000')
    .option('--net-clients <n>', 'network: concurrent HTTP submitters', '5')
    .option('--net-chunk <n>', 'network: envelopes per submission', '50')
    .option('--txs <n>', 'ledger: transactions to commit', '20000')
    .option('--clients <n>', 'ledger: concurrent submitters', '8')
    .option('--chunk <n>', 'ledger: envelopes per submission', '25')
    .option('--no-proofs', 'ledger: skip the proof timings (building a 10^6-leaf log takes a while)')
    .option('--resources <n>', 'records: FHIR resources written in setup', '100000')
    .option('--consents <n>', 'records: consents put on the ledger in setup', '10000')
    .option('--reads <n>', 'records: timed FHIR reads (each paired with a plain vault read)', '5000')
    .option('--decides <n>', 'records: timed consent decisions', '50000')
    .action(async (o: BenchCliOptions) => {
      if (!(SUITES as readonly string[]).includes(o.suite)) throw new Error(`--suite must be one of ${SUITES.join(', ')}, got '${o.suite}'`);
      const suite = o.suite as Suite;
      const json = o.json ?? false;
      const ledger = async () => {
        const { runLedgerBench } = await import('../../bench/ledger.js');
        return runLedgerBench({
          json,
          txs: count('txs', o.txs),
          clients: count('clients', o.clients),
          chunk: count('chunk', o.chunk),
          proofSizes: o.proofs ? [10_000, 100_000, 1_000_000] : [],
        });
      };
      const records = async (print: boolean) => {
        const { runRecordsBench } = await import('../../bench/records.js');
        return runRecordsBench({
          json,
          print,
          resources: count('resources', o.resources),
          consents: count('consents', o.consents),
          reads: count('reads', o.reads),
          decides: count('decides', o.decides),
        });
      };
      const network = async () => {
        const { runNetworkBench } = await import('../../bench/network.js');
        return runNetworkBench({ txs: count('net-txs', o.netTxs), clients: count('net-clients', o.netClients), chunk: count('net-chunk', o.netChunk) });
      };
      if (suite === 'ledger') {
        await ledger();
        return;
      }
      if (suite === 'network') {
        await network();
        return;
      }
      if (suite === 'records') {
        await records(true);
        return;
      }
      const ledgerResult = await toStderr(ledger);
      const recordsResult = await records(false);
      const { requireEtcd } = await import('../../test/cluster/etcd.js');
      const missingEtcd = requireEtcd();
      const networkResult = missingEtcd === undefined ? await toStderr(network) : { skipped: missingEtcd };
      process.stdout.write(JSON.stringify({ ...ledgerResult, bench: 'all', records: recordsResult, network: networkResult }) + '\n');
    });
}
