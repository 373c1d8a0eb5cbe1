// `careledger bench`: runs the ledger benchmark (bench/ledger.ts).
import type { Command } from 'commander';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark the commit pipeline against node:crypto verification on all cores')
    .option('--json', 'print the result as JSON on the last line')
    .option('--txs <n>', 'transactions to commit', '20000')
    .action(async (o: { json?: boolean; txs: string }) => {
      const { runLedgerBench } = await import('../../bench/ledger.js');
      await runLedgerBench({ json: o.json ?? false, txs: Number(o.txs) });
    });
}
