// `careledger start --verify-workers`: a bad value is refused before anything
// is written; a valid one runs a node that commits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, runCli, spawnNode, stopNode, waitForHealth } from '../helpers/proc.js';

void test('a bad --verify-workers is refused with a clear error and no data directory', async () => {
  const dir = makeTempDir('careledger-flags-');
  try {
    const dataDir = join(dir, 'node');
    for (const bad of ['x', '-1', '1.5', '65']) {
      const r = await runCli(['start', '--data-dir', dataDir, '--port', '0', '--verify-workers', bad]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`--verify-workers must be a whole number from 0 to 64, got '${bad.replace('.', '\\.')}'`));
      assert.equal(existsSync(dataDir), false, 'nothing initialised');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('--verify-workers 1 runs a node that answers /healthz', async () => {
  const dir = makeTempDir('careledger-flags-');
  const node = spawnNode(join(dir, 'node'), await freePort(), ['--verify-workers', '1']);
  try {
    const health = await waitForHealth(node);
    assert.equal(health.height, 0);
  } finally {
    await stopNode(node);
    rmSync(dir, { recursive: true, force: true });
  }
});
