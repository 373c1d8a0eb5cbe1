// Test support: a fixed member context and a one-line caller for the router.
import { handleFhirRequest } from '../../src/fhir/router/router.js';
import { MemoryFhirRepository } from '../../src/fhir/router/memory-repository.js';
import type { FhirHttpRequest, FhirHttpResponse } from '../../src/fhir/router/http.js';
import type { QueryParams } from '../../src/fhir/router/params.js';
import type { FhirResource, RequestContext } from '../../src/fhir/types.js';

export const TEST_BASE = 'https://node.test/fhir/R4';

export const TEST_CONTEXT: Omit<RequestContext, 'interaction'> = {
  actor: { kind: 'member', orgId: 'org-1', memberId: 'm-1', keyId: 'ed25519:test', roles: ['practitioner'], scopes: [] },
  purpose: 'TREAT',
  requestId: 'req-test',
};

export interface CallOptions {
  query?: QueryParams;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A router bound to one MemoryFhirRepository. */
export function testRouter(repo = new MemoryFhirRepository()): {
  repo: MemoryFhirRepository;
  call: (method: string, path: string, options?: CallOptions) => Promise<FhirHttpResponse & { json: FhirResource }>;
} {
  return {
    repo,
    call: async (method, path, options = {}) => {
      const req: FhirHttpRequest = { method, path, query: options.query ?? {}, headers: options.headers ?? {} };
      if (options.body !== undefined) req.body = options.body;
      const res = await handleFhirRequest(req, repo, TEST_CONTEXT, { baseUrl: TEST_BASE });
      return { ...res, json: res.body as FhirResource };
    },
  };
}

export function observation(patientId: string, extra: Record<string, unknown> = {}): FhirResource {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-03-05T10:00:00Z',
    ...extra,
  };
}
