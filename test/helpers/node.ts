// Test fixture: a fresh one-organisation dev network in a temporary directory,
// opened as a node with its HTTP server. Every test that uses it must call
// close() (in a finally or t.after), which shuts everything down and removes
// the directory. Loopback only; the server listens only when asked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/index.js';
import {
  closeNode,
  initDevNetwork,
  loadSigningKey,
  openNode,
  type InitResult,
  type LedgerNode,
  type OpenedNode,
  type SubmitLimits,
} from '../../src/node/index.js';

export type TestSigningKey = ReturnType<typeof loadSigningKey>;

export interface TestNode {
  /** The node's data directory (inside a temporary directory removed by close). */
  dataDir: string;
  init: InitResult;
  opened: OpenedNode;
  node: LedgerNode;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> when started with listen: true (or after listen()); '' otherwise. */
  url: string;
  /** The organisation admin key of the dev network (written outside the data directory, <D>-keys/admin.pem). */
  adminKey: TestSigningKey;
  networkId: string;
  /** Starts listening on 127.0.0.1 on a free port; returns the base URL. */
  listen(): Promise<string>;
  /** Closes the server and the node and removes the temporary directory. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  listen?: boolean;
  networkId?: string;
  /** Submission quotas (default: the node's defaults). */
  limits?: Partial<SubmitLimits>;
}

export async function startTestNode(options: StartOptions = {}): Promise<TestNode> {
  const tmp = mkdtempSync(join(tmpdir(), 'careledger-test-'));
  const dataDir = join(tmp, 'node');
  let opened: OpenedNode | undefined;
  let app: FastifyInstance | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await app?.close();
      if (opened) await closeNode(opened);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  try {
    const init = await initDevNetwork(dataDir, options.networkId === undefined ? {} : { networkId: options.networkId });
    opened = openNode(dataDir, { verifyWorkers: 0, ...(options.limits ? { limits: options.limits } : {}) });
    app = buildServer(opened.node, { logger: false }).app;
    const server = app;
    const fixture: TestNode = {
      dataDir,
      init,
      opened,
      node: opened.node,
      app: server,
      url: '',
      adminKey: loadSigningKey(init.adminKeyFile),
      networkId: init.config.networkId,
      async listen() {
        if (fixture.url) return fixture.url;
        await server.listen({ host: '127.0.0.1', port: 0 });
        const { port } = server.server.address() as AddressInfo;
        fixture.url = `http://127.0.0.1:${port}`;
        return fixture.url;
      },
      close,
    };
    if (options.listen) await fixture.listen();
    return fixture;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Polls `check` every 10 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
