// `careledger verify`: the offline verifier with a progress bar on stderr.
// Exit 0 when the ledger verifies; exit 1 naming the first bad height.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { CareLedgerError } from '../errors/index.js';
import { SqliteLedgerStore, openDatabase } from '../storage/index.js';
import { VerifyPool, defaultRegistry, paths, readNodeConfig } from '../node/index.js';
import { verifyLedger } from '../node/verifier/verify-ledger.js';
import { DEFAULT_DATA_DIR } from './run.js';

function progressBar(stream: NodeJS.WriteStream) {
  let lastPct = -1;
  return ({ height, total }: { height: number; total: number }) => {
    const pct = Math.floor(((height + 1) / total) * 100);
    if (pct === lastPct) return;
    lastPct = pct;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${pct}% block ${height + 1}/${total}`);
      if (height + 1 === total) stream.write('\n');
    } else if (pct % 10 === 0) {
      stream.write(`verify: ${pct}% (block ${height + 1}/${total})\n`);
    }
  };
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a ledger offline: signatures, log, hash chain, full re-execution')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--quiet', 'no progress output')
    .action(async (o: { dataDir: string; quiet?: boolean }) => {
      const file = paths(o.dataDir).ledger;
      if (!existsSync(file)) throw new CareLedgerError('NOT_FOUND', `no ledger at ${file}`);
      const config = readNodeConfig(o.dataDir);
      const store = new SqliteLedgerStore(openDatabase(file, { readonly: true }));
      const pool = new VerifyPool();
      try {
        const started = Date.now();
        const result = await verifyLedger(store, config.networkId, defaultRegistry(), pool, o.quiet ? undefined : progressBar(process.stderr));
        if (result.ok) {
          process.stdout.write(`ok: ${result.blocks} blocks, ${result.txs} transactions verified in ${Date.now() - started} ms\n`);
        } else {
          process.stdout.write(`FAILED at height ${result.height}: ${result.reason}\n`);
          process.exitCode = 1;
        }
      } finally {
        await pool.close();
        store.close();
      }
    });
}
