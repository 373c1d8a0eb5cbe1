// `careledger verify`: the offline verifier with a progress bar on stderr.
// Exit 0 when the ledger verifies; exit 1 naming the first bad height.
import type { Command } from 'commander';
import { migrateLedger, verifyDataDir } from '../node/index.js';
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
    .description('verify a ledger offline: signatures (on every core), log, hash chain, full re-execution')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--from-checkpoint <file>', 'resume after a checkpoint saved by an earlier verify')
    .option('--save-checkpoint <file>', 'save a checkpoint of the verified head and state (owner-only file)')
    .option('--no-baseline', 'skip measuring Ed25519 verifications per second on every core (the ratio)')
    .option('--quiet', 'no progress output')
    .action(async (o: { dataDir: string; quiet?: boolean; fromCheckpoint?: string; saveCheckpoint?: string; baseline: boolean }) => {
      const result = await verifyDataDir(o.dataDir, {
        ...(o.quiet ? {} : { onProgress: progressBar(process.stderr) }),
        ...(o.fromCheckpoint === undefined ? {} : { fromCheckpoint: o.fromCheckpoint }),
        ...(o.saveCheckpoint === undefined ? {} : { saveCheckpoint: o.saveCheckpoint }),
        ...(o.baseline ? { baselineMs: 1000 } : {}),
      });
      if (result.ok) {
        const from = result.fromHeight > 0 ? ` after the checkpoint at height ${result.fromHeight - 1}` : '';
        const ratio = result.ratio === undefined ? '' : `; ${Math.round(result.verifyPerSecAllCores!)} Ed25519 verifications/s on all cores, ratio ${result.ratio.toFixed(2)}`;
        process.stdout.write(
          `ok: ${result.blocks} blocks, ${result.txs} transactions verified${from} in ${Math.round(result.seconds * 1000)} ms (${Math.round(result.txPerSec)} tx/s${ratio})\n`,
        );
      } else {
        process.stdout.write(`FAILED at height ${result.height}: ${result.reason}\n`);
        process.exitCode = 1;
      }
    });
}

export function registerMigrateLedger(program: Command): void {
  program
    .command('migrate-ledger')
    .description("re-derive a stopped node's ledger with this release's state layout (docs/state-layout.md); the log is unchanged")
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (o: { dataDir: string }) => {
      const r = await migrateLedger(o.dataDir);
      process.stdout.write(
        r.changed
          ? `migrated: ${r.blocks} blocks, ${r.txs} transactions re-executed, every result unchanged; the old ledger is ${r.backup}\n`
          : `nothing to migrate: ${r.blocks} blocks already have this release's layout\n`,
      );
    });
}
