// `careledger init` and `careledger start`: create a development network or a
// consortium's data directories, and run a node on the embedded default (solo
// orderer, SQLite) or on an etcd cluster (`--orderer etcd`, or D/network.json).
// Keys come from a key provider (key-options.ts, docs/keys.md); the org admin
// key is written outside the data directory.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { buildServer } from '../api/index.js';
import { CareLedgerError } from '../errors/index.js';
import {
  closeNode,
  developmentKeyWarning,
  initConsortium,
  initDevNetwork,
  initJoin,
  isInitialised,
  openNetworkNode,
  openNode,
  openRecords,
  parseHostList,
  parseQuotaFlag,
  paths,
  readNetworkConfig,
  unlockKeyring,
  writeNetworkConfig,
  type InitResult,
  type NetworkNode,
  type NetworkSettings,
  type OpenedNode,
  type SubmitLimits,
  type UnlockSecrets,
} from '../node/index.js';
import { addInitKeyOptions, initKeyOptionsOf, unlockSecretsOf, type KeyFlags } from './key-options.js';

export const DEFAULT_DATA_DIR = './.careledger';
export const DEFAULT_PORT = 8080;

interface InitFlags extends KeyFlags {
  dataDir: string;
  network: string;
  org: string;
  name?: string;
  endpoint: string;
  networkGenesis?: string;
  join?: boolean;
  etcd?: string;
  peer?: string;
}

const genesisFileSchema = z.strictObject({
  networkId: z.string(),
  etcd: z.array(z.string().url()).optional(),
  timeWindowMs: z.number().int().positive().optional(),
  orgs: z.array(z.strictObject({ orgId: z.string(), name: z.string().optional(), endpoint: z.string().url(), dataDir: z.string() })).min(1),
});

const ADMIN_KEY_ADVICE = 'it does not belong on a node: move it to the administrator\'s machine or offline storage';

/** What init prints about where each key went (paths and key ids, never key material). */
function describeInit(r: InitResult, heading: string): string {
  const warning = developmentKeyWarning({ provider: r.keyProvider, ...(r.keyFile === undefined ? {} : { keyFile: r.keyFile }) });
  return (
    `${heading}\n` +
    `  organisation admin key: ${r.adminKeyFile} (${r.adminKeyId})\n    ${ADMIN_KEY_ADVICE}\n` +
    `  sealed keyring:         ${r.keyringFile} (key provider ${r.keyProvider}; node key ${r.nodeKeyId})\n` +
    (warning === undefined ? '' : `  ${warning}\n`)
  );
}

async function initNetworkGenesis(file: string, etcdFlag: string | undefined, keys: ReturnType<typeof initKeyOptionsOf>): Promise<void> {
  const parsed = genesisFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new CareLedgerError('MALFORMED', `${file} is invalid`, { field: parsed.error.issues[0]?.path.join('.') ?? 'file' });
  const etcd = etcdFlag ? parseHostList(etcdFlag) : parsed.data.etcd;
  if (!etcd || etcd.length === 0) throw new CareLedgerError('MALFORMED', 'the consortium genesis is ordered through etcd: pass --etcd HOSTS', { field: 'etcd' });
  const { timeWindowMs, ...rest } = parsed.data;
  if (keys.adminKeyOut !== undefined) throw new CareLedgerError('MALFORMED', '--admin-key-out names one file: a consortium writes one admin key per organisation next to each data directory', { field: 'adminKeyOut' });
  const orgs = rest.orgs.map((org) => ({ ...org, keyProvider: keys.keyProvider }));
  const r = await initConsortium({ ...rest, orgs, etcd, ...(timeWindowMs === undefined ? {} : { timeWindowMs }) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}

function printJoin(o: InitFlags, keys: ReturnType<typeof initKeyOptionsOf>): void {
  if (!o.etcd) throw new CareLedgerError('MALFORMED', '--join needs --etcd HOSTS', { field: 'etcd' });
  const peers = o.peer ? parseHostList(o.peer) : [];
  const r = initJoin({ dataDir: o.dataDir, networkId: o.network, orgId: o.org, name: o.name ?? o.org, endpoint: o.endpoint, etcd: parseHostList(o.etcd), peers, ...keys });
  const args = JSON.stringify(r.proposal);
  process.stdout.write(
    `initialised ${r.org.orgId} for network ${o.network} in ${r.org.dataDir}\n` +
      `  admin key: ${r.org.adminKeyFile} (${r.org.adminKeyId})\n    ${ADMIN_KEY_ADVICE}\n  node key:  ${r.org.nodeKeyId} (sealed in the data directory's keyring)\n\n` +
      `admit-org proposal payload:\n${JSON.stringify(r.proposal.payload, null, 2)}\n\n` +
      `an admin of an existing organisation proposes it:\n` +
      `  careledger tx --key ADMIN_KEY.pem --url ${peers[0] ?? 'EXISTING_NODE_URL'} --contract governance --action propose --args '${args.replace(/'/g, "'\\''")}'\n` +
      `then other admins approve it (governance/approve with the proposalId from the result).\n` +
      `start this node (it syncs and verifies the history before serving):\n` +
      `  careledger start --data-dir ${o.dataDir} --port ${new URL(o.endpoint).port || DEFAULT_PORT}\n`,
  );
}

export function registerInit(program: Command): void {
  const command = program
    .command('init')
    .description('create a development network, a consortium (--network-genesis) or a joining organisation (--join)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--network <id>', 'network id', 'careledger-dev')
    .option('--org <id>', 'organisation id', 'org1')
    .option('--name <name>', 'organisation name (default: its id)')
    .option('--endpoint <url>', 'this node\'s public URL', `http://127.0.0.1:${DEFAULT_PORT}`)
    .option('--network-genesis <file>', 'JSON {networkId, orgs:[{orgId,name,endpoint,dataDir}]}: one data dir per org and one genesis ordered through etcd')
    .option('--join', 'create keys for an organisation joining an existing network and print its admit-org proposal')
    .option('--etcd <hosts>', 'etcd client URLs, comma-separated')
    .option('--peer <urls>', 'peer node URLs to catch up from, comma-separated');
  addInitKeyOptions(command).action(async (o: InitFlags) => {
    const keys = initKeyOptionsOf(o, unlockSecretsOf(o));
    if (o.networkGenesis) return initNetworkGenesis(o.networkGenesis, o.etcd, keys);
    if (o.join) return printJoin(o, keys);
    const r = await initDevNetwork(o.dataDir, { networkId: o.network, orgId: o.org, endpoint: o.endpoint, ...keys });
    process.stdout.write(describeInit(r, `initialised network ${r.config.networkId} in ${r.dataDir}`));
    return undefined;
  });
}

interface StartFlags extends KeyFlags {
  dataDir: string;
  port: string;
  host: string;
  logLevel: string;
  orderer?: string;
  etcd?: string;
  peer?: string;
  witnessInterval?: string;
  compactInterval?: string;
  verifyWorkers?: string;
  fhirBodyLimit?: string;
  signerQuota?: string;
  patientQuota?: string;
  selfEnrolment?: string;
  storageLimit?: string;
  metricsTokenFile?: string;
}

/** --signer-quota and --self-enrolment; absent flags keep the node's defaults. */
function limitsOf(o: StartFlags): Partial<SubmitLimits> {
  return {
    ...(o.signerQuota === undefined ? {} : { perSigner: parseQuotaFlag(o.signerQuota, '--signer-quota') }),
    ...(o.patientQuota === undefined ? {} : { perPatientSigner: parseQuotaFlag(o.patientQuota, '--patient-quota') }),
    ...(o.selfEnrolment === undefined ? {} : { selfEnrolment: parseQuotaFlag(o.selfEnrolment, '--self-enrolment', true) }),
  };
}

/** --fhir-body-limit: bytes, or KiB/MiB, from 1 KiB to 64 MiB; undefined = the default (4 MiB). */
function fhirBodyLimitOf(o: StartFlags): number | undefined {
  if (o.fhirBodyLimit === undefined) return undefined;
  const m = /^(\d{1,9})(KiB|MiB)?$/.exec(o.fhirBodyLimit);
  const n = m === null ? NaN : Number(m[1]) * (m[2] === 'MiB' ? 1024 * 1024 : m[2] === 'KiB' ? 1024 : 1);
  if (!(n >= 1024 && n <= 64 * 1024 * 1024)) throw new Error(`--fhir-body-limit must be 1KiB to 64MiB (bytes, KiB or MiB), got '${o.fhirBodyLimit}'`);
  return n;
}

/** --storage-limit: bytes, or KiB/MiB/GiB, at least 64 KiB; undefined = no limit but the disk's. */
function storageLimitOf(o: StartFlags): number | undefined {
  if (o.storageLimit === undefined) return undefined;
  const m = /^(\d{1,12})(KiB|MiB|GiB)?$/.exec(o.storageLimit);
  const unit = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m?.[2] ?? ''] ?? 1;
  const n = m === null ? NaN : Number(m[1]) * unit;
  if (!(n >= 64 * 1024 && Number.isSafeInteger(n))) throw new Error(`--storage-limit must be at least 64KiB (bytes, KiB, MiB or GiB), got '${o.storageLimit}'`);
  return n;
}

/** --metrics-token-file: the operator token (first line of the file) that opens /metrics beyond loopback. */
function metricsTokenOf(o: StartFlags): string | undefined {
  const fromEnv = process.env['CARELEDGER_METRICS_TOKEN'];
  const token = o.metricsTokenFile === undefined ? fromEnv : readFileSync(o.metricsTokenFile, 'utf8').split('\n')[0]?.trim();
  if (token === undefined || token === '') return undefined;
  if (token.length < 16) throw new Error('the metrics token must be at least 16 characters');
  return token;
}

/** --verify-workers: a whole number from 0 (check signatures on the main thread) to 64; undefined = one per core. */
function verifyWorkersOf(o: StartFlags): number | undefined {
  if (o.verifyWorkers === undefined) return undefined;
  const n = Number(o.verifyWorkers);
  if (!Number.isSafeInteger(n) || n < 0 || n > 64) throw new Error(`--verify-workers must be a whole number from 0 to 64, got '${o.verifyWorkers}'`);
  return n;
}

/** Flags override D/network.json and are saved there, so restarts need none. */
function networkSettings(o: StartFlags): NetworkSettings | undefined {
  const saved = readNetworkConfig(o.dataDir);
  const flagged = o.orderer !== undefined || o.etcd !== undefined || o.peer !== undefined || o.witnessInterval !== undefined || o.compactInterval !== undefined;
  if (!flagged) return saved;
  const kind = o.orderer ?? (o.etcd ? 'etcd' : saved?.orderer.kind ?? 'solo');
  if (kind !== 'etcd' && kind !== 'solo') throw new CareLedgerError('MALFORMED', `unknown orderer ${kind} (solo or etcd)`, { field: 'orderer' });
  const hosts = o.etcd ? parseHostList(o.etcd) : saved?.orderer.kind === 'etcd' ? saved.orderer.hosts : [];
  if (kind === 'etcd' && hosts.length === 0) throw new CareLedgerError('MALFORMED', '--orderer etcd needs --etcd HOSTS', { field: 'etcd' });
  return writeNetworkConfig(o.dataDir, {
    orderer: kind === 'etcd' ? { kind, hosts } : { kind },
    peers: o.peer ? parseHostList(o.peer) : saved?.peers ?? [],
    witnessIntervalMs: o.witnessInterval ? Number(o.witnessInterval) : saved?.witnessIntervalMs ?? 1_000,
    compactIntervalMs: o.compactInterval ? Number(o.compactInterval) : saved?.compactIntervalMs ?? 0,
  });
}

const fatal = (what: string) => (e: unknown) => {
  process.stderr.write(`careledger: fatal: ${what}: ${(e as Error).message}\n`);
  process.exit(70);
};

export function registerStart(program: Command): void {
  const command = program
    .command('start')
    .description('run a node (initialises a development network on first start)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--port <port>', 'HTTP port', String(DEFAULT_PORT))
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--log-level <level>', 'log level (silent, error, warn, info, debug)', 'info')
    .option('--orderer <kind>', 'solo (embedded) or etcd; saved in D/network.json')
    .option('--etcd <hosts>', 'etcd client URLs, comma-separated')
    .option('--peer <urls>', 'peer node URLs to catch up from, comma-separated')
    .option('--witness-interval <ms>', 'how often to fetch and compare peers\' checkpoints')
    .option('--compact-interval <ms>', 'how often to prune batches every live node applied (0: never)')
    .option('--verify-workers <n>', 'signature-checking threads (default: one per core; fewer when nodes share a machine)')
    .option('--fhir-body-limit <size>', 'largest FHIR request body, in bytes or with KiB/MiB (default 4MiB); larger ones get 413')
    .option('--signer-quota <rate/burst>', 'transactions per second and burst per registered signer (default 50/1000; or unlimited)')
    .option('--patient-quota <rate/burst>', 'transactions per second and burst per patient or delegate key (default 1/20; or unlimited)')
    .option('--self-enrolment <rate/burst>', 'self-enrolments per second and burst, shared by all new keys (default 0.5/30; unlimited; closed)')
    .option('--storage-limit <size>', 'largest ledger database (bytes, KiB, MiB, GiB): past it the node stops committing, not ready, until restarted with room')
    .option('--metrics-token-file <file>', 'operator token that opens /metrics beyond loopback callers (or CARELEDGER_METRICS_TOKEN)');
  addInitKeyOptions(command).action(async (o: StartFlags) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${o.port}`);
    const verifyWorkers = verifyWorkersOf(o);
    const fhirBodyLimit = fhirBodyLimitOf(o);
    const storageLimitBytes = storageLimitOf(o);
    const metricsToken = metricsTokenOf(o);
    const workers = {
      ...(verifyWorkers === undefined ? {} : { verifyWorkers }),
      limits: limitsOf(o),
      ...(storageLimitBytes === undefined ? {} : { storageLimitBytes }),
    };
    const secrets: UnlockSecrets = unlockSecretsOf(o);
    if (!isInitialised(o.dataDir)) {
      if (o.orderer === 'etcd') throw new CareLedgerError('NOT_FOUND', `${o.dataDir} is not initialised: use "careledger init --network-genesis" or "--join"`);
      const r = await initDevNetwork(o.dataDir, { endpoint: `http://${o.host}:${port}`, ...initKeyOptionsOf(o, secrets) });
      process.stdout.write(describeInit(r, `first start: initialised network ${r.config.networkId} in ${r.dataDir}`));
    }
    const keys = unlockKeyring(o.dataDir, secrets);
    const warning = developmentKeyWarning(keys);
    if (warning !== undefined) process.stderr.write(`careledger: ${warning}\n`);
    const settings = networkSettings(o);
    let network: NetworkNode | undefined;
    let opened: OpenedNode;
    if (settings?.orderer.kind === 'etcd') {
      const log = (m: string) => process.stdout.write(`careledger: ${m}\n`);
      network = openNetworkNode(o.dataDir, settings, { log, keys, onFatal: fatal('the node cannot go on'), ...workers });
      opened = network.opened;
    } else {
      opened = openNode(o.dataDir, { keys, onFatal: fatal('cannot commit a block'), ...workers });
    }
    const baseUrl = `http://${o.host}:${port}`;
    const records = await openRecords(o.dataDir, opened, baseUrl);
    const { app } = buildServer(opened.node, {
      logger: o.logLevel === 'silent' ? false : { level: o.logLevel },
      records,
      baseUrl,
      ...(fhirBodyLimit === undefined ? {} : { fhirBodyLimit }),
      ...(metricsToken === undefined ? {} : { metricsToken }),
      ...(network ? { network: { witness: network.witness, syncing: network.syncing } } : {}),
    });
    const address = await app.listen({ port, host: o.host });
    process.stdout.write(
      `careledger node for ${opened.config.networkId} listening on ${address} (height ${opened.node.head.height}, ` +
        `orderer ${settings?.orderer.kind ?? 'solo'}, data ${paths(o.dataDir).ledger})\n`,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await app.close();
      await records.close();
      if (network) await network.close();
      else await closeNode(opened);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });
}
