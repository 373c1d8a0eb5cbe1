// Node-to-node HTTPS under the consortium's trust anchors (docs/tls.md): a
// request whose server certificate must chain to one of the CA certificates
// in the consortium's bundle, and to nothing else (the public web roots are
// not trusted for a peer), with the host name checked against the URL. Plain
// http: URLs are refused outright when trust anchors are configured. One
// small request function serves the exchange transport and the peer protocols
// (node/peers/transport.ts): a method, headers, an optional body, a deadline
// and a response size cap; no redirects are followed (a 3xx is a failure for
// the caller like any non-2xx status).
import { request } from 'node:https';
import { CareLedgerError } from '../errors/index.js';

export interface TrustedRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Largest response body; a larger one is a failure (UNAVAILABLE, field 'response'). */
  maxBytes: number;
}

export interface TrustedResponse {
  status: number;
  text: string;
}

/** Sends one request; throws CareLedgerError UNAVAILABLE on a refused certificate, a network failure, a timeout or an oversized answer. */
export function trustedRequest(url: URL, init: TrustedRequest, trustAnchors: Buffer): Promise<TrustedResponse> {
  if (url.protocol !== 'https:') {
    return Promise.reject(new CareLedgerError('UNAVAILABLE', 'peer URL is not https: and trust anchors are configured', { field: 'endpoint' }));
  }
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new CareLedgerError('UNAVAILABLE', message, { field: message.includes('large') ? 'response' : 'endpoint', ...(cause === undefined ? {} : { cause }) }));
    const req = request(
      url,
      {
        method: init.method,
        headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }) },
        ca: trustAnchors,
        agent: false,
        timeout: init.timeoutMs,
        minVersion: 'TLSv1.2',
      },
      (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.byteLength;
          if (total > init.maxBytes) {
            res.destroy();
            fail('peer response is too large');
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => fail('peer connection failed', e));
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error('timeout')), init.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    // The certificate error (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE) is named, never the response.
    req.on('error', (e: NodeJS.ErrnoException) => fail(`peer unreachable or its certificate is not trusted${e.code ? ` (${e.code})` : ''}`, e));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
