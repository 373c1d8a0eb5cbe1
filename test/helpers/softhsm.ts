// SoftHSM2 for the PKCS#11 key-provider tests: a private token per test in a
// temporary directory (SOFTHSM2_CONF points at its own config and token dir;
// SoftHSM reads it at each C_Initialize). Skipped with a reason when SoftHSM2
// or the pkcs11js package is missing on a developer's machine; in CI
// (CI=true) that is a broken setup, so a failing test says so instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

export const SOFTHSM_MODULE = process.env['CARELEDGER_TEST_PKCS11_MODULE'] ?? '/usr/lib/softhsm/libsofthsm2.so';

function missing(): string | undefined {
  if (!existsSync(SOFTHSM_MODULE)) return `SoftHSM2 is not installed (no ${SOFTHSM_MODULE}); install it with "apt-get install -y softhsm2" (.ci/run does)`;
  if (spawnSync('softhsm2-util', ['--version'], { stdio: 'ignore' }).status !== 0) return 'softhsm2-util is not on the PATH (apt-get install -y softhsm2)';
  try {
    createRequire(import.meta.url)('pkcs11js');
  } catch {
    return 'the pkcs11js package is not installed (npm install)';
  }
  return undefined;
}

/** undefined to run the suite; a reason to skip it (never in CI, where a failing test is registered instead). */
export function softhsmSuiteSkip(): string | undefined {
  const reason = missing();
  if (reason === undefined) return undefined;
  if (process.env['CI'] === 'true') {
    void test('SoftHSM2 and pkcs11js are installed (required in CI)', () => assert.fail(reason));
    return undefined;
  }
  return reason;
}

export interface SoftToken {
  module: string;
  label: string;
  pin: string;
  /** The SOFTHSM2_CONF of this token (set in process.env by createSoftToken). */
  conf: string;
}

/** Creates a fresh token in `dir` and points SOFTHSM2_CONF at it (child processes inherit it). */
export function createSoftToken(dir: string, label = 'careledger-test', pin = '1234-5678'): SoftToken {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  process.env['SOFTHSM2_CONF'] = conf;
  const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', `so-${pin}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr}`);
  return { module: SOFTHSM_MODULE, label, pin, conf };
}
