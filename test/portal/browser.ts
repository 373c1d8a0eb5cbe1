// Debian's Chromium for the portal's end-to-end tests, driven by
// playwright-core (which never downloads a browser). Headless, no sandbox
// (tests run as root in CI), no background networking (the machine's network
// is closed). Missing Chromium: the tests fail under CI=true (CI installs it
// with apt, .ci/run) and are skipped with the reason elsewhere.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | undefined {
  const env = process.env['CHROMIUM_PATH'];
  if (env !== undefined && env !== '') return existsSync(env) ? env : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** undefined: run; a string: why the test is skipped. Throws under CI when Chromium is missing. */
export function chromiumSkip(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  if (process.env['CI'] === 'true' || process.env['CI'] === '1') {
    throw new Error(`Chromium is missing (looked at ${CANDIDATES.join(', ')}): CI must install the chromium package`);
  }
  return 'Chromium is not installed (apt-get install chromium)';
}

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error('Chromium is missing');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** The test's output folder (screenshots): test-results/<name> under the working directory. */
export function outputDir(name: string): string {
  const dir = join(process.cwd(), 'test-results', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
