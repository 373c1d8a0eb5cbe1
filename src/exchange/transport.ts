// The HTTP transport of exchange (the only place exchange/ speaks HTTP): POST
// the signed request as JSON to <endpoint>/exchange/v1/requests with a
// timeout and a response size cap. A custodian's error body
// {"error":{"code","message","field"}} becomes a CareLedgerError with the
// same code (unknown codes and network failures are UNAVAILABLE).
import { CareLedgerError, isResultCode } from '../errors/index.js';
import type { ExchangeTransport } from './ports.js';
import { EXCHANGE_PATH } from './protocol.js';
import { trustedRequest } from './tls-client.js';

export interface HttpTransportOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** PEM CA bundle of the consortium: when set, only HTTPS custodians with a certificate chaining to it are called. */
  trustAnchors?: Buffer | undefined;
  /** The custodian's TLS pins from its governance record, by origin: its certificate's key must be one of them. */
  pinsFor?: ((origin: string) => readonly string[] | undefined) | undefined;
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) throw new CareLedgerError('UNAVAILABLE', 'custodian response is too large', { field: 'response' });
  const reader = res.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new CareLedgerError('UNAVAILABLE', 'custodian response is too large', { field: 'response' });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function refusalOf(status: number, text: string): CareLedgerError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  const code = typeof err?.code === 'string' && isResultCode(err.code) && err.code !== 'OK' ? err.code : 'UNAVAILABLE';
  const message = typeof err?.message === 'string' ? err.message.slice(0, 300) : `HTTP ${status}`;
  const field = typeof err?.field === 'string' ? err.field.slice(0, 64) : undefined;
  return new CareLedgerError(code, `custodian refused: ${message}`, field === undefined ? {} : { field });
}

export function httpTransport(options: HttpTransportOptions = {}): ExchangeTransport {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const max = options.maxResponseBytes ?? 96 * 1024 * 1024;
  const trustAnchors = options.trustAnchors;
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const parse = (status: number, text: string): unknown => {
    if (status < 200 || status > 299) throw refusalOf(status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CareLedgerError('CONFLICT', 'custodian response rejected: not JSON', { field: 'response' });
    }
  };
  const trusted = async (url: URL, pins: readonly string[] | undefined, request: unknown): Promise<unknown> => {
    const r = await trustedRequest(url, { method: 'POST', headers, body: JSON.stringify(request), timeoutMs, maxBytes: max }, { anchors: trustAnchors, pins });
    return parse(r.status, r.text);
  };
  return {
    async send(endpoint, request) {
      let url: URL;
      try {
        url = new URL(trimSlash(endpoint) + EXCHANGE_PATH);
      } catch (cause) {
        throw new CareLedgerError('UNAVAILABLE', 'custodian endpoint unreachable', { field: 'endpoint', cause });
      }
      const pins = options.pinsFor?.(url.origin);
      if (trustAnchors !== undefined || pins !== undefined) return trusted(url, pins, request);
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        text = await readCapped(res, max);
      } catch (cause) {
        if (cause instanceof CareLedgerError) throw cause;
        throw new CareLedgerError('UNAVAILABLE', 'custodian endpoint unreachable', { field: 'endpoint', cause });
      }
      return parse(res.status, text);
    },
  };
}
