// How the peer protocols (catch-up, witnessing) reach another node's
// /ledger/v1: a small transport port with one HTTP implementation, so the
// protocols hold no fetch calls and tests can hand them a fake peer.
// Failures throw; each protocol decides what a failure means (catch-up: the
// peer is UNAVAILABLE; witnessing: try again next round). Given the
// consortium's trust anchors (a PEM CA bundle, docs/tls.md), peers are called
// over HTTPS only and their certificate must chain to one of those CAs. A
// peer whose organisation registered TLS pins in governance (pinsFor) must
// also present one of those keys, with or without trust anchors.
import { trustedRequest, type PeerTrust } from '../../exchange/index.js';

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

async function trustedGet(target: URL, options: PeerGetOptions, accept: string, trust: PeerTrust): Promise<string> {
  const headers: Record<string, string> = { accept };
  if (options.auth) headers['authorization'] = options.auth('GET', target.pathname + target.search);
  const r = await trustedRequest(target, { method: 'GET', headers, timeoutMs: options.timeoutMs, maxBytes: MAX_PEER_RESPONSE_BYTES }, trust);
  if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status}`);
  return r.text;
}

/** The TLS pins registered in governance for the peer at this origin, if any (read at each call). */
export type PinsFor = (origin: string) => readonly string[] | undefined;

export interface HttpPeerTransportOptions {
  /** PEM CA bundle of the consortium: peers must serve HTTPS with a certificate chaining to it. */
  trustAnchors?: Buffer | undefined;
  /** The peer's registered TLS identity: its certificate's key must be one of these. */
  pinsFor?: PinsFor | undefined;
}

/** The transport over HTTP(S): no redirects followed, a timeout per request; under trust anchors or pins, HTTPS checked against them. */
export function httpPeerTransport(options: HttpPeerTransportOptions = {}): PeerTransport {
  const anchors = options.trustAnchors;
  const text = async (peerUrl: string, pathAndQuery: string, o: PeerGetOptions, accept: string): Promise<string> => {
    const target = new URL(pathAndQuery, peerUrl);
    const pins = options.pinsFor?.(target.origin);
    if (anchors !== undefined || pins !== undefined) return trustedGet(target, o, accept, { anchors, pins });
    return (await get(peerUrl, pathAndQuery, o, accept)).text();
  };
  return {
    getJson: async (peerUrl, pathAndQuery, o) => JSON.parse(await text(peerUrl, pathAndQuery, o, 'application/json')) as unknown,
    getText: (peerUrl, pathAndQuery, o) => text(peerUrl, pathAndQuery, o, 'text/plain'),
  };
}
