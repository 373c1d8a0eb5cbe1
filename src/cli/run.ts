// `careledger init` and `careledger start`: create a development network and
// run a node on the embedded default (solo orderer, SQLite).
import type { Command } from 'commander';
import { buildServer } from '../api/index.js';
import { closeNode, initDevNetwork, isInitialised, openNode, openRecords, paths } from '../node/index.js';

export const DEFAULT_DATA_DIR = './.careledger';
export const DEFAULT_PORT = 8080;

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a one-organisation development network (keys and genesis)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--network <id>', 'network id', 'careledger-dev')
    .option('--org <id>', 'organisation id', 'org1')
    .option('--endpoint <url>', 'this node\'s public URL', `http://127.0.0.1:${DEFAULT_PORT}`)
    .action(async (o: { dataDir: string; network: string; org: string; endpoint: string }) => {
      const r = await initDevNetwork(o.dataDir, { networkId: o.network, orgId: o.org, endpoint: o.endpoint });
      process.stdout.write(
        `initialised network ${r.config.networkId} in ${r.dataDir}\n` +
          `  organisation admin key: ${r.adminKeyFile} (${r.adminKeyId})\n` +
          `  node key:               ${r.nodeKeyFile} (${r.nodeKeyId})\n`,
      );
    });
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run a node (initialises the data directory on first start)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--port <port>', 'HTTP port', String(DEFAULT_PORT))
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--log-level <level>', 'log level (silent, error, warn, info, debug)', 'info')
    .action(async (o: { dataDir: string; port: string; host: string; logLevel: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${o.port}`);
      if (!isInitialised(o.dataDir)) {
        const r = await initDevNetwork(o.dataDir, { endpoint: `http://${o.host}:${port}` });
        process.stdout.write(
          `first start: initialised network ${r.config.networkId} in ${r.dataDir}\n` +
            `  organisation admin key: ${r.adminKeyFile} (${r.adminKeyId})\n` +
            `  node key:               ${r.nodeKeyFile}\n`,
        );
      }
      const opened = openNode(o.dataDir, {
        onFatal: (e) => {
          process.stderr.write(`careledger: fatal: cannot commit a block: ${(e as Error).message}\n`);
          process.exit(70);
        },
      });
      const baseUrl = `http://${o.host}:${port}`;
      const records = await openRecords(o.dataDir, opened, baseUrl);
      const { app } = buildServer(opened.node, {
        logger: o.logLevel === 'silent' ? false : { level: o.logLevel },
        records,
        baseUrl,
      });
      const address = await app.listen({ port, host: o.host });
      process.stdout.write(
        `careledger node for ${opened.config.networkId} listening on ${address} (height ${opened.node.head.height}, data ${paths(o.dataDir).ledger})\n`,
      );
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await app.close();
        await records.close();
        await closeNode(opened);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
