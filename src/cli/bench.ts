// `careledger bench`: runs the ledger benchmark (bench/ledger.ts).
import type { Command } from 'commander';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark the commit pipeline against node:crypto verification on all cores')
    .option('--json', 'print the result as JSON on the last line')
    .option('--txs <n>', 'transactions to commit', '20000')
    .option('--clients <n>', 'concurrent submitters', '8')
    .option('--chunk <n>', 'envelopes per submission', '25')
    .option('--no-proofs', 'skip the proof timings (building a 10^6-leaf log takes a while)')
    .action(async (o: { json?: boolean; txs: string; clients: string; chunk: string; proofs: boolean }) => {
      const { runLedgerBench } = await import('../../bench/ledger.js');
      await runLedgerBench({
        json: o.json ?? false,
        txs: Number(o.txs),
        clients: Number(o.clients),
        chunk: Number(o.chunk),
        proofSizes: o.proofs ? [10_000, 100_000, 1_000_000] : [],
      });
    });
}
