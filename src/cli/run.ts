// `careledger init` and `careledger start`: create a development network or a
// consortium's data directories, and run a node on the embedded default (solo
// orderer, SQLite) or on an etcd cluster (`--orderer etcd`, or D/network.json).
// Keys come from a key provider (key-options.ts, docs/keys.md); the org admin
// key is written outside the data directory.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildServer } from '../api/index.js';
import { checkPlainListener, readTlsMaterial, watchTls, type TlsFiles } from '../api/tls.js';
import { CareLedgerError } from '../errors/index.js';
import {
  closeNode,
  developmentKeyWarning,
  initDevNetwork,
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
import { ADMIN_KEY_ADVICE, initNetworkGenesis, printJoin } from './init-network.js';

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
  devPki?: string;
  pkiOnly?: boolean;
  tlsCert?: string;
}

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
    .option('--peer <urls>', 'peer node URLs to catch up from, comma-separated')
    .option('--dev-pki <dir>', 'with --network-genesis or --join: a development CA and each org\'s HTTPS and etcd client certificates here (openssl), docs/tls.md')
    .option('--pki-only', 'with --network-genesis --dev-pki: write the PKI and the etcd RBAC script, order nothing')
    .option('--tls-cert <file>', 'with --join: this node\'s HTTPS certificate, whose key is registered in the admit-org proposal');
  addInitKeyOptions(command).action(async (o: InitFlags) => {
    const keys = initKeyOptionsOf(o, unlockSecretsOf(o));
    if (o.networkGenesis) return initNetworkGenesis(o.networkGenesis, { etcd: o.etcd, devPki: o.devPki, pkiOnly: o.pkiOnly }, keys);
    if (o.join) return printJoin(o, keys, DEFAULT_PORT);
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
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  trustProxy?: string;
  tlsCa?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  storageLimit?: string;
  metricsTokenFile?: string;
}

/** --etcd-ca/--etcd-cert/--etcd-key all together (absolute paths saved), else what network.json had. */
function etcdTlsOf(o: StartFlags, saved: NetworkSettings | undefined): { tls?: { caFile: string; certFile: string; keyFile: string } } {
  const given = [o.etcdCa, o.etcdCert, o.etcdKey].filter((f) => f !== undefined).length;
  if (given > 0 && given < 3) throw new CareLedgerError('MALFORMED', '--etcd-ca, --etcd-cert and --etcd-key go together', { field: 'etcdTls' });
  if (o.etcdCa !== undefined && o.etcdCert !== undefined && o.etcdKey !== undefined) {
    return { tls: { caFile: resolve(o.etcdCa), certFile: resolve(o.etcdCert), keyFile: resolve(o.etcdKey) } };
  }
  return saved?.orderer.kind === 'etcd' && saved.orderer.tls !== undefined ? { tls: saved.orderer.tls } : {};
}

/** --tls-cert and --tls-key come together; neither means plain HTTP (loopback only, tls.ts). */
function tlsFilesOf(o: StartFlags): TlsFiles | undefined {
  if (o.tlsCert === undefined && o.tlsKey === undefined) return undefined;
  if (o.tlsCert === undefined || o.tlsKey === undefined) throw new CareLedgerError('MALFORMED', '--tls-cert and --tls-key go together', { field: 'tls' });
  return { certFile: o.tlsCert, keyFile: o.tlsKey };
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
  const flagged = o.orderer !== undefined || o.etcd !== undefined || o.peer !== undefined || o.witnessInterval !== undefined || o.compactInterval !== undefined || o.tlsCa !== undefined || o.etcdCa !== undefined;
  if (!flagged) return saved;
  const kind = o.orderer ?? (o.etcd ? 'etcd' : saved?.orderer.kind ?? 'solo');
  if (kind !== 'etcd' && kind !== 'solo') throw new CareLedgerError('MALFORMED', `unknown orderer ${kind} (solo or etcd)`, { field: 'orderer' });
  const hosts = o.etcd ? parseHostList(o.etcd) : saved?.orderer.kind === 'etcd' ? saved.orderer.hosts : [];
  if (kind === 'etcd' && hosts.length === 0) throw new CareLedgerError('MALFORMED', '--orderer etcd needs --etcd HOSTS', { field: 'etcd' });
  return writeNetworkConfig(o.dataDir, {
    orderer: kind === 'etcd' ? { kind, hosts, ...etcdTlsOf(o, saved) } : { kind },
    peers: o.peer ? parseHostList(o.peer) : saved?.peers ?? [],
    witnessIntervalMs: o.witnessInterval ? Number(o.witnessInterval) : saved?.witnessIntervalMs ?? 1_000,
    compactIntervalMs: o.compactInterval ? Number(o.compactInterval) : saved?.compactIntervalMs ?? 0,
    ...(o.tlsCa !== undefined ? { tlsCa: resolve(o.tlsCa) } : saved?.tlsCa !== undefined ? { tlsCa: saved.tlsCa } : {}),
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
    .option('--tls-cert <file>', 'serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate chain; reloaded on SIGHUP and on change')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--insecure-http', 'allow plain HTTP on a non-loopback address (logs a warning)')
    .option('--tls-ca <file>', 'the consortium\'s CA bundle (PEM): peers and custodians are called over HTTPS checked against it only; saved in D/network.json')
    .option('--etcd-ca <file>', 'mutual TLS to etcd: the CA its members\' certificates chain to (with --etcd-cert, --etcd-key; saved)')
    .option('--etcd-cert <file>', 'this node\'s etcd client certificate (CN = its etcd user)')
    .option('--etcd-key <file>', 'the key of --etcd-cert')
    .option('--trust-proxy <addresses>', 'reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-* headers are believed')
    .option('--storage-limit <size>', 'largest ledger database (bytes, KiB, MiB, GiB): past it the node stops committing, not ready, until restarted with room')
    .option('--metrics-token-file <file>', 'operator token that opens /metrics beyond loopback callers (or CARELEDGER_METRICS_TOKEN)');
  addInitKeyOptions(command).action(async (o: StartFlags) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${o.port}`);
    const verifyWorkers = verifyWorkersOf(o);
    const fhirBodyLimit = fhirBodyLimitOf(o);
    const tlsFiles = tlsFilesOf(o);
    const tls = tlsFiles === undefined ? undefined : readTlsMaterial(tlsFiles);
    const plainWarning = checkPlainListener(o.host, tls !== undefined, o.insecureHttp === true);
    if (plainWarning !== undefined) process.stderr.write(`careledger: ${plainWarning}\n`);
    const trustProxy = o.trustProxy === undefined ? undefined : parseHostList(o.trustProxy);
    const scheme = tls ? 'https' : 'http';
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
      const r = await initDevNetwork(o.dataDir, { endpoint: `${scheme}://${o.host}:${port}`, ...initKeyOptionsOf(o, secrets) });
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
    const baseUrl = `${scheme}://${o.host}:${port}`;
    const records = await openRecords(o.dataDir, opened, baseUrl);
    const { app } = buildServer(opened.node, {
      logger: o.logLevel === 'silent' ? false : { level: o.logLevel },
      records,
      baseUrl,
      ...(fhirBodyLimit === undefined ? {} : { fhirBodyLimit }),
      ...(tls === undefined ? {} : { tls }),
      ...(trustProxy === undefined ? {} : { trustProxy }),
      ...(metricsToken === undefined ? {} : { metricsToken }),
      ...(network ? { network: { witness: network.witness, syncing: network.syncing } } : {}),
    });
    const address = await app.listen({ port, host: o.host });
    const stopWatching = tlsFiles === undefined ? () => undefined : watchTls(app, tlsFiles, (line) => process.stdout.write(`careledger: ${line}\n`));
    process.stdout.write(
      `careledger node for ${opened.config.networkId} listening on ${address} (height ${opened.node.head.height}, ` +
        `orderer ${settings?.orderer.kind ?? 'solo'}, data ${paths(o.dataDir).ledger})\n`,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      stopWatching();
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
