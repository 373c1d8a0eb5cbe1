// The two spellings of the consortium demo: `careledger demo --network N`
// (documented) and `careledger demo-network --network N` (the older name, kept
// as an alias) parse to the same flags. Commander parsing only: the demo
// itself is replaced by a recorder, nothing starts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { isCareLedgerError } from '../errors/index.js';
import { registerDemo } from './demo.js';
import { registerDemoNetwork, type DemoFlags } from './demo-network.js';

/** Parses one command line with both commands registered; returns the flags the consortium demo was run with. */
async function parsed(...argv: string[]): Promise<DemoFlags[]> {
  const runs: DemoFlags[] = [];
  const run = async (flags: DemoFlags) => {
    runs.push(flags);
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  registerDemo(program, run);
  registerDemoNetwork(program, run);
  await program.parseAsync(argv, { from: 'user' });
  return runs;
}

describe('careledger demo --network and its alias demo-network', () => {
  it('parse to the same flags, every flag given', async () => {
    const etcd = 'http://127.0.0.1:2379,http://127.0.0.1:2381';
    const documented = await parsed('demo', '--network', '4', '--json', '--data-dir', '/tmp/consortium', '--etcd', etcd);
    const alias = await parsed('demo-network', '--network', '4', '--json', '--dir', '/tmp/consortium', '--etcd', etcd);
    assert.deepEqual(documented, [{ network: '4', json: true, dir: '/tmp/consortium', etcd }]);
    // TLS is on unless --no-tls, with either spelling.
    assert.deepEqual(await parsed('demo', '--network', '2', '--no-tls'), [{ network: '2', noTls: true }]);
    assert.deepEqual(await parsed('demo-network', '--network', '2', '--no-tls'), [{ network: '2', noTls: true }]);
    assert.deepEqual(alias, documented);
  });

  it('parse to the same flags, only the size given', async () => {
    assert.deepEqual(await parsed('demo', '--network', '3'), [{ network: '3' }]);
    assert.deepEqual(await parsed('demo-network', '--network', '3'), [{ network: '3' }]);
    // demo-network keeps its default of three organisations.
    assert.deepEqual(await parsed('demo-network'), [{ network: '3' }]);
  });

  it('refuse single-node flags with --network and --etcd without it, running nothing', async () => {
    const cases: Array<[string[], string]> = [
      [['demo', '--network', '3', '--port', '9000'], 'port'],
      [['demo', '--network', '3', '--host', '0.0.0.0'], 'host'],
      [['demo', '--etcd', 'http://127.0.0.1:2379'], 'etcd'],
      [['demo', '--no-tls'], 'tls'],
    ];
    for (const [argv, field] of cases) {
      const runs: DemoFlags[] = [];
      const program = new Command().exitOverride();
      registerDemo(program, async (flags) => {
        runs.push(flags);
      });
      await assert.rejects(program.parseAsync(argv, { from: 'user' }), (e) => isCareLedgerError(e) && e.code === 'MALFORMED' && e.field === field, argv.join(' '));
      assert.deepEqual(runs, []);
    }
  });
});
