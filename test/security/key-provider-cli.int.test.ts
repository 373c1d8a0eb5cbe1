// Finding 8 through the CLI: `careledger init` picks the key provider by
// flags, reads the passphrase from a file descriptor, writes the org admin key
// outside the data directory and says where; `careledger start` unlocks from
// CARELEDGER_PASSPHRASE, refuses a wrong one with a clear error, and warns
// (without the key) when the development key-file provider is in use.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesUnder } from '../records/fixture.js';
import { CLI, freePort, LOOPBACK } from '../helpers/proc.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with extra environment and, optionally, `fd3` written to file descriptor 3. */
function cli(args: string[], options: { env?: Record<string, string>; fd3?: string; untilHealthy?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    fd3.on('error', () => undefined);
    fd3.end(options.fd3 ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`careledger ${args.join(' ')} timed out\n${stdout}${stderr}`));
    }, 120_000);
    if (options.untilHealthy !== undefined) {
      const url = options.untilHealthy;
      const poll = setInterval(() => {
        fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
          .then((r) => {
            if (r.status === 200) {
              clearInterval(poll);
              child.kill('SIGTERM');
            }
          })
          .catch(() => undefined);
      }, 200);
      child.once('exit', () => clearInterval(poll));
    }
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'careledger-key-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('finding 8: key providers from the command line', { timeout: 300_000 }, () => {
  const passphrase = 'a passphrase given on fd 3, never echoed';

  test('init --key-provider passphrase --passphrase-fd 3: admin key where asked, nothing secret in the data directory or the output', async () => {
    const dataDir = join(root, 'node');
    const adminOut = join(root, 'offline', 'admin.pem');
    const r = await cli(['init', '--data-dir', dataDir, '--key-provider', 'passphrase', '--passphrase-fd', '3', '--admin-key-out', adminOut], { fd3: `${passphrase}\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`organisation admin key: ${adminOut} \\(ed25519:`));
    assert.match(r.stdout, /move it to the administrator's machine or offline storage/);
    assert.match(r.stdout, /key provider passphrase/);
    assert.equal(r.stdout.includes('WARNING'), false);
    assert.equal((r.stdout + r.stderr).includes(passphrase), false);
    assert.deepEqual(readdirSync(join(dataDir, 'keys')), ['keyring.sealed']);
    assert.deepEqual(filesUnder(dataDir).filter((f) => f.endsWith('.pem')), []);
  });

  test('start with a wrong CARELEDGER_PASSPHRASE: exit 2, UNAUTHENTICATED, never listening', async () => {
    const port = await freePort();
    const r = await cli(['start', '--data-dir', join(root, 'node'), '--port', String(port), '--log-level', 'silent'], { env: { CARELEDGER_PASSPHRASE: `${passphrase}?` } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^careledger: UNAUTHENTICATED: cannot unseal the keyring with this passphrase/);
    assert.equal(r.stdout.includes('listening'), false);
  });

  test('start with the right CARELEDGER_PASSPHRASE serves, without the development warning', async () => {
    const port = await freePort();
    const url = `http://${LOOPBACK}:${port}`;
    const r = await cli(['start', '--data-dir', join(root, 'node'), '--port', String(port), '--host', LOOPBACK, '--log-level', 'warn'], {
      env: { CARELEDGER_PASSPHRASE: passphrase },
      untilHealthy: url,
    });
    assert.match(r.stdout, /listening on/, r.stdout + r.stderr);
    assert.equal(r.stderr.includes('WARNING'), false, r.stderr);
  });

  test('a provider without its secret is refused at init (MALFORMED), and an unknown provider too', async () => {
    const missing = await cli(['init', '--data-dir', join(root, 'n2'), '--key-provider', 'passphrase']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^careledger: MALFORMED: --key-provider passphrase needs --passphrase-fd N or CARELEDGER_PASSPHRASE/);
    const unknown = await cli(['init', '--data-dir', join(root, 'n3'), '--key-provider', 'usb-stick']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^careledger: MALFORMED: unknown key provider 'usb-stick'/);
  });

  test('init with the default (development) provider: key file and admin key in the sibling <D>-keys/, a warning', async () => {
    const dataDir = join(root, 'dev');
    const r = await cli(['init', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`organisation admin key: ${join(root, 'dev-keys', 'admin.pem')} `));
    assert.match(r.stdout, new RegExp(`WARNING: development key provider: the keyring is wrapped by the plain key file ${join(root, 'dev-keys', 'keyring.key')};`));
    assert.deepEqual(readdirSync(join(root, 'dev-keys')).sort(), ['admin.pem', 'keyring.key']);
    assert.deepEqual(readdirSync(join(dataDir, 'keys')), ['keyring.sealed']);
  });
});
