// `careledger bench`: runs the benchmarks in bench/ (one file per subsystem).
// --suite ledger: the commit pipeline (bench/ledger.ts); --suite trials: CRF
// anchoring and dataset verification (bench/trials.ts, run alone); --suite records: the
// health-records path (bench/records.ts); --suite all (default): both, the
// ledger first, then ONE JSON line on stdout with the ledger's fields at the
// top level, the records figures under `records` and, when etcd is on the
// PATH, the consortium figures under `network` (--suite network alone: three
// node processes on a three-member etcd cluster beside the embedded node).
// With `all`, each suite runs in a process of its own, so one suite's heap,
// caches and compiled code do not weigh on the next one's figures. The suites
// themselves live in bench/ and run as a program (bench/run-suite.ts): this
// command validates the flags and starts it, it never imports bench/ code.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { requireEtcd } from '../ordering/index.js';

const SUITES = ['ledger', 'records', 'network', 'supply', 'trials', 'fhir', 'soak', 'scale', 'all'] as const;
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
  netVerifyWorkers?: string;
  netWarmup: string;
  netTls?: boolean;
  packs: string;
  entries: string;
  rows: string;
  fhirResources: string;
  fhirSearches: string;
  duration: string;
  warmup?: string;
  soakFaults: boolean;
  scaleTxs: string;
  scaleSingle: string;
  scaleRound?: string;
}

/** A duration flag: whole seconds, minutes or hours ('90s', '10m', '2h'; a bare number is seconds). */
export function parseDuration(name: string, text: string): number {
  const m = /^(\d{1,6})(s|m|h)?$/.exec(text);
  const n = m === null ? NaN : Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] ?? 's'] ?? 1);
  if (!(n >= 10 && n <= 7 * 24 * 3600)) throw new Error(`--${name} must be 10s to 168h (e.g. 90s, 10m, 2h), got '${text}'`);
  return n;
}

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

function countOrZero(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be 0 or a positive integer, got '${text}'`);
  return n;
}

const MAIN = new URL('./main.js', import.meta.url).pathname;
/** The suites' runner, started as a program (dist/bench/run-suite.js beside dist/src). */
const SUITE_RUNNER = new URL('../../bench/run-suite.js', import.meta.url).pathname;

/** Runs one suite in a child process sharing this one's stdio; rejects if it fails. */
function runSuite(suite: Exclude<Suite, 'all'>, options: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUITE_RUNNER, suite, JSON.stringify(options)], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the ${suite} benchmark exited with ${signal ?? code}`))));
  });
}

/** Runs `careledger bench --json --suite <suite> <args>` in a child process (progress on stderr); resolves with its last stdout line, parsed. */
function suiteInChild(suite: Exclude<Suite, 'all'>, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'bench', '--json', '--suite', suite, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`the ${suite} benchmark exited with ${signal ?? code}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`the ${suite} benchmark printed no JSON result`));
      }
    });
  });
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark the commit pipeline (ledger) and the consented, audited FHIR read path (records), each against a baseline measured in the same run')
    .option('--json', 'print the result as JSON on the last line')
    .option('--suite <suite>', 'ledger | records | network | supply | trials | fhir | soak | scale | all (all: the first three)', 'all')
    .option('--fhir-resources <n>', 'fhir: resources imported (Synthea-like bundles of 1,000) before search is timed', '20000')
    .option('--fhir-searches <n>', 'fhir: timed searches of each kind', '300')
    .option('--duration <time>', 'soak: measured duration after the warm-up (90s, 10m, 2h)', '60s')
    .option('--warmup <time>', 'soak: warm-up before the first memory sample (default: a fifth of the duration, 10s to 5m)')
    .option('--no-soak-faults', 'soak: steady load only, no faults on the schedule')
    .option('--scale-txs <n>', 'scale: transactions of the mixed long run (10^7: see BENCHMARKS.md)', '100000')
    .option('--scale-single <n>', 'scale: register-patient and register-member transactions of the single-action table (0: skip)', '20000')
    .option('--scale-round <n>', 'scale: transactions signed and submitted per round (default txs / 50, 500..10000)')
    .option('--packs <n>', 'supply: serialised packs commissioned before verification is timed', '1000000')
    .option('--net-txs <n>', 'network: transactions per run (embedded and three nodes)', '6000')
    .option('--net-clients <n>', 'network: concurrent HTTP submitters', '5')
    .option('--net-chunk <n>', 'network: envelopes per submission', '50')
    .option('--net-warmup <n>', 'network: untimed warm-up transactions through each setup before it is measured (0: none)', '3000')
    .option('--net-tls', 'network: the three nodes with TLS everywhere against the same in plain HTTP (CPU per transaction per node), instead of the embedded comparison')
    .option('--net-verify-workers <n>', 'network: verify workers of each of the three nodes (default: cores / 3, at least 1)')
    .option('--txs <n>', 'ledger: transactions to commit', '20000')
    .option('--clients <n>', 'ledger: concurrent submitters', '8')
    .option('--chunk <n>', 'ledger: envelopes per submission', '25')
    .option('--no-proofs', 'ledger: skip the proof timings (building a 10^6-leaf log takes a while)')
    .option('--resources <n>', 'records: FHIR resources written in setup', '100000')
    .option('--consents <n>', 'records: consents put on the ledger in setup', '10000')
    .option('--reads <n>', 'records: timed FHIR reads (each paired with a plain vault read)', '5000')
    .option('--decides <n>', 'records: timed consent decisions', '50000')
    .option('--entries <n>', 'trials: case report form entries anchored (and written to a plain vault as the baseline)', '2000')
    .option('--rows <n>', 'trials: rows of the verified dataset', '100000')
    .action(async (o: BenchCliOptions) => {
      if (!(SUITES as readonly string[]).includes(o.suite)) throw new Error(`--suite must be one of ${SUITES.join(', ')}, got '${o.suite}'`);
      const suite = o.suite as Suite;
      const json = o.json ?? false;
      const ledger = async () => {
        return runSuite('ledger', {
          json,
          txs: count('txs', o.txs),
          clients: count('clients', o.clients),
          chunk: count('chunk', o.chunk),
          proofSizes: o.proofs ? [10_000, 100_000, 1_000_000] : [],
        });
      };
      const records = async () => {
        return runSuite('records', {
          json,
          print: true,
          resources: count('resources', o.resources),
          consents: count('consents', o.consents),
          reads: count('reads', o.reads),
          decides: count('decides', o.decides),
        });
      };
      const network = async () => {
        return runSuite('network', {
          txs: count('net-txs', o.netTxs),
          clients: count('net-clients', o.netClients),
          chunk: count('net-chunk', o.netChunk),
          verifyWorkers: o.netVerifyWorkers === undefined ? Math.max(1, Math.floor(availableParallelism() / 3)) : count('net-verify-workers', o.netVerifyWorkers),
          warmupTxs: countOrZero('net-warmup', o.netWarmup),
          ...(o.netTls ? { tls: true } : {}),
        });
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
        await records();
        return;
      }
      if (suite === 'soak') {
        const missing = requireEtcd();
        if (missing !== undefined) throw new Error(missing);
        const durationS = parseDuration('duration', o.duration);
        const warmupS = o.warmup === undefined ? Math.min(300, Math.max(10, Math.round(durationS / 5))) : parseDuration('warmup', o.warmup);
        await runSuite('soak', { durationS, warmupS, faults: o.soakFaults });
        return;
      }
      if (suite === 'scale') {
        await runSuite('scale', {
          txs: count('scale-txs', o.scaleTxs),
          single: countOrZero('scale-single', o.scaleSingle),
          ...(o.scaleRound === undefined ? {} : { round: count('scale-round', o.scaleRound) }),
          clients: count('clients', o.clients),
          chunk: count('chunk', o.chunk),
        });
        return;
      }
      if (suite === 'supply') {
        await runSuite('supply', { packs: count('packs', o.packs) });
        return;
      }
      if (suite === 'trials') {
        await runSuite('trials', { json, entries: count('entries', o.entries), rows: count('rows', o.rows) });
        return;
      }
      if (suite === 'fhir') {
        await runSuite('fhir', { resources: count('fhir-resources', o.fhirResources), searches: count('fhir-searches', o.fhirSearches) });
        return;
      }
      const ledgerResult = await suiteInChild('ledger', [
        `--txs=${count('txs', o.txs)}`,
        `--clients=${count('clients', o.clients)}`,
        `--chunk=${count('chunk', o.chunk)}`,
        ...(o.proofs ? [] : ['--no-proofs']),
      ]);
      const recordsResult = await suiteInChild('records', [
        `--resources=${count('resources', o.resources)}`,
        `--consents=${count('consents', o.consents)}`,
        `--reads=${count('reads', o.reads)}`,
        `--decides=${count('decides', o.decides)}`,
      ]);
      const missingEtcd = requireEtcd();
      const networkResult =
        missingEtcd === undefined
          ? await suiteInChild('network', [
              `--net-txs=${count('net-txs', o.netTxs)}`,
              `--net-clients=${count('net-clients', o.netClients)}`,
              `--net-chunk=${count('net-chunk', o.netChunk)}`,
              `--net-warmup=${countOrZero('net-warmup', o.netWarmup)}`,
              ...(o.netVerifyWorkers === undefined ? [] : [`--net-verify-workers=${count('net-verify-workers', o.netVerifyWorkers)}`]),
            ])
          : { skipped: missingEtcd };
      process.stdout.write(JSON.stringify({ ...ledgerResult, bench: 'all', records: recordsResult, network: networkResult }) + '\n');
    });
}
