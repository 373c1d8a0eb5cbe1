// Regression: key generation must not deadlock with the garbage collector.
// On Node 20, exporting (as JWK) a KeyObject made by generateKeyPairSync can
// hang the thread forever when that export triggers a collection that
// finalises the key's generation job (both take the same mutex). This once
// stalled a whole test run. A child process generates 30,000 keys with a
// 1 MiB young generation (a collection every few keys) and must finish; the
// old code hung here every time it was tried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const KEYS = 30_000;

test('30,000 keys generated under constant GC pressure: the process finishes', () => {
  const module = fileURLToPath(new URL('./ed25519.js', import.meta.url));
  const script = `
    const { generateSigningKey } = await import(${JSON.stringify(module)});
    let prev = '';
    let repeats = 0;
    for (let i = 0; i < ${KEYS}; i++) {
      const id = generateSigningKey().keyId;
      if (id === prev) repeats++;
      prev = id;
    }
    console.log(repeats);
  `;
  const run = spawnSync(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  assert.equal(run.signal, null, `key generation did not finish (killed by ${String(run.signal)}): deadlock`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '0', 'no key repeats the one before it');
});
