// The server's CapabilityStatement (GET [base]/metadata), FHIR R4 4.0.1, JSON
// only, SMART-on-FHIR security with the token endpoint in the oauth-uris extension.
import { SEARCH_PARAMS } from './params.js';
import { trimBase } from './http.js';
import { SUPPORTED_RESOURCE_TYPES } from './resource-types.js';
import type { FhirResource } from '../types.js';

export interface CapabilityOptions {
  baseUrl: string;
  /** SMART token endpoint; defaults to `<origin of baseUrl>/auth/token`. */
  tokenUrl?: string;
  resourceTypes?: readonly string[];
  /** Publication date (defaults to now). */
  date?: string;
}

const PARAM_TYPES: Record<(typeof SEARCH_PARAMS)[number], string> = {
  _id: 'token', _lastUpdated: 'date', patient: 'reference', subject: 'reference', code: 'token',
  date: 'date', identifier: 'token', _count: 'number', _offset: 'number',
  category: 'token', status: 'token', 'clinical-status': 'token', gender: 'token', encounter: 'reference',
  name: 'string', family: 'string', given: 'string', birthdate: 'date', _sort: 'special',
};

const RESOURCE_INTERACTIONS = ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'];

/** Default SMART token URL derived from the FHIR base. */
export function defaultTokenUrl(baseUrl: string): string {
  return new URL('/auth/token', trimBase(baseUrl)).toString();
}

/** Build the CapabilityStatement for `options.baseUrl`. */
export function buildCapabilityStatement(options: CapabilityOptions): FhirResource {
  const base = trimBase(options.baseUrl);
  const tokenUrl = options.tokenUrl ?? defaultTokenUrl(base);
  const types = options.resourceTypes ?? SUPPORTED_RESOURCE_TYPES;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date ?? new Date().toISOString(),
    kind: 'instance',
    software: { name: 'CareLedger' },
    implementation: { description: 'CareLedger FHIR R4 endpoint', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: tokenUrl }],
            },
          ],
        },
        resource: types.map((type) => ({
          type,
          interaction: RESOURCE_INTERACTIONS.map((code) => ({ code })),
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: false,
          conditionalDelete: 'not-supported',
          searchParam: SEARCH_PARAMS.filter((p) => p !== '_offset' && p !== (type === 'Patient' ? 'date' : 'birthdate')).map((name) => ({ name, type: PARAM_TYPES[name] })),
          ...(type === 'Patient'
            ? {
                operation: [
                  { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
                  { name: 'summary', definition: 'http://hl7.org/fhir/uv/ips/OperationDefinition/summary' },
                ],
              }
            : {}),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
