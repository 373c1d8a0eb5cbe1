// `careledger verify`: the offline verifier with a progress bar on stderr.
// Exit 0 when the ledger verifies; exit 1 naming the first bad height.
import type { Command } from 'commander';
import { verifyDataDir } from '../node/index.js';
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
      const started = Date.now();
      const result = await verifyDataDir(o.dataDir, o.quiet ? {} : { onProgress: progressBar(process.stderr) });
      if (result.ok) {
        process.stdout.write(`ok: ${result.blocks} blocks, ${result.txs} transactions verified in ${Date.now() - started} ms\n`);
      } else {
        process.stdout.write(`FAILED at height ${result.height}: ${result.reason}\n`);
        process.exitCode = 1;
      }
    });
}
