// The portal's only door to the node: fetch on the same origin, JSON in and
// out, errors as ApiError with the API's code and message (ledger error body,
// OAuth error, or a FHIR OperationOutcome with its issues and FHIRPath
// expressions). Bearer tokens are passed in by the caller from memory.
export interface OutcomeIssue {
  severity: string;
  code: string;
  diagnostics?: string;
  details?: { text?: string };
  expression?: string[];
}

/** An issue's words: diagnostics, else details.text, else its code. */
export const issueText = (i: OutcomeIssue): string => i.diagnostics ?? i.details?.text ?? i.code;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly issues: OutcomeIssue[] = [],
  ) {
    super(message);
  }
}

function errorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b['resourceType'] === 'OperationOutcome' && Array.isArray(b['issue'])) {
    const issues = b['issue'] as OutcomeIssue[];
    return new ApiError(status, issues[0]?.code ?? 'error', issues.map(issueText).join('; '), undefined, issues);
  }
  const e = b['error'];
  if (typeof e === 'string') return new ApiError(status, e, e);
  if (e !== null && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    return new ApiError(status, String(o['code'] ?? 'ERROR'), String(o['message'] ?? ''), typeof o['field'] === 'string' ? o['field'] : undefined);
  }
  return new ApiError(status, 'HTTP_' + status, `HTTP ${status}`);
}

export interface RequestOptions {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  contentType?: string;
}

async function send(path: string, o: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/fhir+json', ...(o.headers ?? {}) };
  if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
  let body: string | undefined;
  if (o.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(o.form).toString();
  } else if (o.body !== undefined) {
    headers['content-type'] = o.contentType ?? 'application/json';
    body = JSON.stringify(o.body);
  }
  return fetch(path, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, cache: 'no-store', credentials: 'omit', ...(body === undefined ? {} : { body }) });
}

/** JSON from the node, or an ApiError. */
export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await send(path, o);
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw errorOf(res.status, json);
  return json as T;
}

/** A text body (the checkpoint). */
export async function apiText(path: string, o: RequestOptions = {}): Promise<string> {
  const res = await send(path, o);
  const text = await res.text();
  if (!res.ok) throw errorOf(res.status, (() => { try { return JSON.parse(text); } catch { return undefined; } })());
  return text;
}
