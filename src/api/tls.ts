// The node's HTTPS listener (docs/tls.md): the fastify options that serve
// HTTP/2 and HTTP/1.1 over TLS on one port (ALPN), HSTS on every response,
// trusted X-Forwarded-* only from configured proxy addresses, and the reload
// of the certificate and key (PEM files) without a restart: on SIGHUP and when
// either file changes, the new pair is checked (a key that does not match the
// certificate is refused and the old pair kept) and installed with
// setSecureContext, so open connections keep their session and new ones get
// the new certificate. Also the rule for plain HTTP: only on loopback, unless
// the operator says --insecure-http.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { CareLedgerError } from '../errors/index.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** One year, the preload list's minimum; no includeSubDomains: the node does not own its parent domain's other hosts. */
export const HSTS_VALUE = 'max-age=31536000';

/** Reads the PEM pair and proves the key matches the certificate (createSecureContext throws otherwise). */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  let material: TlsMaterial;
  try {
    material = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', 'cannot read the TLS certificate or key file', { field: 'tls', cause });
  }
  try {
    createSecureContext(material);
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', 'the TLS key does not match the certificate, or a file is not PEM', { field: 'tls', cause });
  }
  return material;
}

/**
 * The fastify constructor options of the listener: HTTP/2 with HTTP/1.1
 * fallback over TLS when `tls` is given, and the proxy addresses whose
 * X-Forwarded-For/-Proto/-Host fastify believes (none by default).
 */
export function listenerOptions(tls: TlsMaterial | undefined, trustProxy: readonly string[] | undefined): Record<string, unknown> {
  return {
    ...(tls === undefined ? {} : { http2: true, https: { allowHTTP1: true, key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' } }),
    ...(trustProxy === undefined || trustProxy.length === 0 ? {} : { trustProxy: [...trustProxy] }),
  };
}

/** Strict-Transport-Security on every response of an HTTPS listener. */
export function registerHsts(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('strict-transport-security', HSTS_VALUE);
    return payload;
  });
}

interface SecureServer {
  setSecureContext(options: SecureContextOptions): void;
}

/** Installs a new pair on a running HTTPS listener; throws (and keeps the old pair) when the pair is bad. */
export function reloadTls(app: FastifyInstance, files: TlsFiles): void {
  const material = readTlsMaterial(files);
  (app.server as unknown as SecureServer).setSecureContext({ ...material, minVersion: 'TLSv1.2' });
}

/**
 * Reloads on SIGHUP and when either file's mtime changes (polled, so an
 * editor's or certbot's rename-over-the-file is seen). `report` gets one line
 * per reload, without file contents. Returns the function that stops watching.
 */
export function watchTls(app: FastifyInstance, files: TlsFiles, report: (line: string) => void, pollMs = 2_000): () => void {
  const reload = (why: string) => {
    try {
      reloadTls(app, files);
      report(`TLS certificate reloaded (${why})`);
    } catch (e) {
      report(`TLS certificate NOT reloaded (${why}): ${(e as Error).message}; still serving the previous one`);
    }
  };
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const onChange = (curr: { mtimeMs: number }, prev: { mtimeMs: number }) => {
    if (curr.mtimeMs !== prev.mtimeMs) reload('file changed');
  };
  for (const f of [files.certFile, files.keyFile]) watchFile(f, { interval: pollMs, persistent: false }, onChange);
  return () => {
    process.off('SIGHUP', onHup);
    for (const f of [files.certFile, files.keyFile]) unwatchFile(f, onChange);
  };
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may listen on without --insecure-http. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses a plain-HTTP listener off loopback unless `insecure` (then returns
 * the warning to log). Returns undefined when there is nothing to say.
 */
export function checkPlainListener(host: string, tls: boolean, insecure: boolean): string | undefined {
  if (tls || isLoopbackHost(host)) return undefined;
  if (!insecure) {
    throw new CareLedgerError(
      'MALFORMED',
      `refusing to serve plain HTTP on ${host}: bearer tokens and patient sign-ins would cross the network in clear; ` +
        'pass --tls-cert and --tls-key, listen on 127.0.0.1 behind a TLS reverse proxy, or pass --insecure-http',
      { field: 'host' },
    );
  }
  return `WARNING: serving plain HTTP on ${host} (--insecure-http): tokens and health data cross the network in clear`;
}
