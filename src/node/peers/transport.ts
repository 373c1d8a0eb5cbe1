// How the peer protocols (catch-up, witnessing) reach another node's
// /ledger/v1: a small transport port with one HTTP implementation, so the
// protocols hold no fetch calls and tests can hand them a fake peer.
// Failures throw; each protocol decides what a failure means (catch-up: the
// peer is UNAVAILABLE; witnessing: try again next round).

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

/** The transport over HTTP(S) with fetch: no redirects followed, a timeout per request. */
export function httpPeerTransport(): PeerTransport {
  return {
    getJson: async (peerUrl, pathAndQuery, options) => (await get(peerUrl, pathAndQuery, options, 'application/json')).json(),
    getText: async (peerUrl, pathAndQuery, options) => (await get(peerUrl, pathAndQuery, options, 'text/plain')).text(),
  };
}
