// Child-process helpers for the integration tests: run the compiled CLI,
// start a node on a free loopback port, wait for /healthz with a bound, and
// make sure no child outlives the test process (every spawned child is
// tracked and SIGKILLed on cleanup and on exit).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry (dist/src/cli/main.js). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const LOOPBACK = '127.0.0.1';

const live = new Set<ChildProcess>();
process.once('exit', () => killAllChildren());

/** SIGKILLs every child this process started that has not exited yet. */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `careledger <args>`; SIGKILLs it and rejects after timeoutMs. */
export function runCli(args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`careledger ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export interface NodeProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
}

/** Starts `careledger start --data-dir D --port P --log-level warn [extra]` on loopback. */
export function spawnNode(dataDir: string, port: number, extra: readonly string[] = []): NodeProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dataDir, '--port', String(port), '--host', LOOPBACK, '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(child);
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, port, url: `http://${LOOPBACK}:${port}`, exited, output: () => out };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls GET /healthz until it answers 200, the child exits, or timeoutMs passes. */
export async function waitForHealth(node: NodeProcess, timeoutMs = 10_000): Promise<{ height: number }> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void node.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`node exited before becoming healthy:\n${node.output()}`);
    try {
      const res = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return (await res.json()) as { height: number };
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`node not healthy within ${timeoutMs} ms:\n${node.output()}`);
}

/** Sends a signal and waits (bounded) for exit, escalating to SIGKILL. */
export async function stopNode(node: NodeProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000) {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
  const timeout = sleep(timeoutMs).then(() => 'timeout' as const);
  const result = await Promise.race([node.exited, timeout]);
  if (result !== 'timeout') return result;
  node.child.kill('SIGKILL');
  return node.exited;
}

/** A fresh directory under the OS temp dir; remove it with removeDir. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
