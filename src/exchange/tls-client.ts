// Node-to-node HTTPS under the consortium's trust anchors (docs/tls.md): a
// request whose server certificate must chain to one of the CA certificates
// in the consortium's bundle, and to nothing else (the public web roots are
// not trusted for a peer), with the host name checked against the URL. Plain
// http: URLs are refused outright when trust anchors are configured. One
// small request function serves the exchange transport and the peer protocols
// (node/peers/transport.ts): a method, headers, an optional body, a deadline
// and a response size cap; no redirects are followed (a 3xx is a failure for
// the caller like any non-2xx status).
//
// Given the peer organisation's TLS pins from its governance record (SPKI
// SHA-256, crypto/tls-pin.ts), the certificate must also carry one of those
// keys: a certificate the CA issued for that host to anyone else is refused.
// Pins apply with or without trust anchors; a pinned peer over http: is refused.
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'node:https';
import { certificatePin } from '../crypto/index.js';
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

/** How a peer's certificate is checked: the CA bundle it must chain to (else the system roots), and the pins its key must match. */
export interface PeerTrust {
  anchors?: Buffer | undefined;
  pins?: readonly string[] | undefined;
}

/** The host name check, then the key against the pins (a Node checkServerIdentity). */
function pinnedIdentity(pins: readonly string[] | undefined) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    const err = checkServerIdentity(host, cert);
    if (err !== undefined || pins === undefined) return err;
    // `cert.pubkey` is the SPKI for RSA but the bare point for EC keys: take the SPKI from the DER certificate.
    if (pins.includes(certificatePin(cert.raw))) return undefined;
    return Object.assign(new Error('the certificate key is not the one registered in governance'), { code: 'CERT_KEY_NOT_REGISTERED' });
  };
}

/**
 * Connections are kept alive and reused per (trust anchors, pins): a witness
 * round or a catch-up page does not pay a TLS handshake each time, and a
 * change of pins in governance gets a new pool, so every connection was
 * checked against the pins it is used under. Idle sockets do not keep the
 * process alive (Node unrefs them).
 */
const NO_ANCHORS = Buffer.alloc(0);
const pools = new WeakMap<Buffer, Map<string, Agent>>();
const MAX_POOLS = 64;

function agentFor(trust: PeerTrust): Agent {
  const anchors = trust.anchors ?? NO_ANCHORS;
  let byPins = pools.get(anchors);
  if (byPins === undefined) {
    byPins = new Map();
    pools.set(anchors, byPins);
  }
  const key = trust.pins?.join(',') ?? '';
  let agent = byPins.get(key);
  if (agent === undefined) {
    if (byPins.size >= MAX_POOLS) {
      for (const a of byPins.values()) a.destroy();
      byPins.clear();
    }
    agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      maxFreeSockets: 2,
      ...(trust.anchors === undefined ? {} : { ca: trust.anchors }),
      checkServerIdentity: pinnedIdentity(trust.pins),
      minVersion: 'TLSv1.2',
    });
    byPins.set(key, agent);
  }
  return agent;
}

/** Sends one request; throws CareLedgerError UNAVAILABLE on a refused certificate, a network failure, a timeout or an oversized answer. */
export function trustedRequest(url: URL, init: TrustedRequest, trust: PeerTrust): Promise<TrustedResponse> {
  if (url.protocol !== 'https:') {
    const why = trust.pins === undefined ? 'trust anchors are configured' : 'the peer registered a TLS identity';
    return Promise.reject(new CareLedgerError('UNAVAILABLE', `peer URL is not https: and ${why}`, { field: 'endpoint' }));
  }
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new CareLedgerError('UNAVAILABLE', message, { field: message.includes('large') ? 'response' : 'endpoint', ...(cause === undefined ? {} : { cause }) }));
    const req = request(
      url,
      {
        method: init.method,
        headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }) },
        agent: agentFor(trust),
        timeout: init.timeoutMs,
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
