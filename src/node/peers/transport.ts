// How the peer protocols (catch-up, witnessing) reach another node's
// /ledger/v1: a small transport port with one HTTP implementation, so the
// protocols hold no fetch calls and tests can hand them a fake peer.
// Failures throw; each protocol decides what a failure means (catch-up: the
// peer is UNAVAILABLE; witnessing: try again next round). Given the
// consortium's trust anchors (a PEM CA bundle, docs/tls.md), peers are called
// over HTTPS only and their certificate must chain to one of those CAs.
import { trustedRequest } from '../../exchange/index.js';

/**
 * Signs a read of a peer's ledger API: returns the Authorization header for
 * (method, path and query as sent). Full blocks are served only to member
 * organisations' nodes (signLedgerRead with the node key, read-auth.ts).
 */
export type PeerReadAuth = (method: string, pathAndQuery: string) => string;

export interface PeerGetOptions {
  timeoutMs: number;
  /** Signs the read (member-only routes). */
  auth?: PeerReadAuth;
}

export interface PeerTransport {
  /** GETs `pathAndQuery` under the peer's base URL and returns its JSON (unparsed by any schema); throws on any network or HTTP failure. */
  getJson(peerUrl: string, pathAndQuery: string, options: PeerGetOptions): Promise<unknown>;
  /** GETs `pathAndQuery` and returns the body as text; throws on any network or HTTP failure. */
  getText(peerUrl: string, pathAndQuery: string, options: PeerGetOptions): Promise<string>;
}

async function get(peerUrl: string, pathAndQuery: string, options: PeerGetOptions, accept: string): Promise<Response> {
  const target = new URL(pathAndQuery, peerUrl);
  const headers: Record<string, string> = { accept };
  if (options.auth) headers['authorization'] = options.auth('GET', target.pathname + target.search);
  const res = await fetch(target, { signal: AbortSignal.timeout(options.timeoutMs), headers, redirect: 'error' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res;
}

/** Largest peer answer read under trust anchors (a page of 50 full blocks). */
const MAX_PEER_RESPONSE_BYTES = 256 * 1024 * 1024;

async function trustedGet(peerUrl: string, pathAndQuery: string, options: PeerGetOptions, accept: string, trustAnchors: Buffer): Promise<string> {
  const target = new URL(pathAndQuery, peerUrl);
  const headers: Record<string, string> = { accept };
  if (options.auth) headers['authorization'] = options.auth('GET', target.pathname + target.search);
  const r = await trustedRequest(target, { method: 'GET', headers, timeoutMs: options.timeoutMs, maxBytes: MAX_PEER_RESPONSE_BYTES }, trustAnchors);
  if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status}`);
  return r.text;
}

export interface HttpPeerTransportOptions {
  /** PEM CA bundle of the consortium: peers must serve HTTPS with a certificate chaining to it. */
  trustAnchors?: Buffer;
}

/** The transport over HTTP(S): no redirects followed, a timeout per request; under trust anchors, HTTPS checked against them only. */
export function httpPeerTransport(options: HttpPeerTransportOptions = {}): PeerTransport {
  const anchors = options.trustAnchors;
  if (anchors !== undefined) {
    return {
      getJson: async (peerUrl, pathAndQuery, o) => JSON.parse(await trustedGet(peerUrl, pathAndQuery, o, 'application/json', anchors)) as unknown,
      getText: (peerUrl, pathAndQuery, o) => trustedGet(peerUrl, pathAndQuery, o, 'text/plain', anchors),
    };
  }
  return {
    getJson: async (peerUrl, pathAndQuery, options) => (await get(peerUrl, pathAndQuery, options, 'application/json')).json(),
    getText: async (peerUrl, pathAndQuery, options) => (await get(peerUrl, pathAndQuery, options, 'text/plain')).text(),
  };
}
