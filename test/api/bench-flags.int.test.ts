// `careledger bench` refuses bad sizes before it starts anything: exit code 2
// and the option named in the message, with nothing printed on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/proc.js';

const cases: Array<[string[], RegExp]> = [
  [['--net-warmup', '-1'], /--net-warmup must be 0 or a positive integer, got '-1'/],
  [['--net-warmup', '2.5'], /--net-warmup must be 0 or a positive integer, got '2\.5'/],
  [['--net-txs', '0'], /--net-txs must be a positive integer, got '0'/],
  [['--net-verify-workers', 'x'], /--net-verify-workers must be a positive integer, got 'x'/],
];

for (const [args, message] of cases) {
  void test(`bench ${args.join(' ')} is refused`, async () => {
    const r = await runCli(['bench', '--json', '--suite', 'network', ...args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}
