// Types shared by the FHIR R4 router, the secure repository behind it and the
// SMART auth layer that produces actors. HTTP-free: requests and results are
// plain data (after medplum's fhir-router: (request, repo) => [outcome, resource]).
import type { PurposeOfUse } from '../contracts/consent/index.js';
import type { Envelope } from '../ledger/index.js';

/** A FHIR R4 resource as JSON. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: {
    versionId?: string;
    lastUpdated?: string;
    security?: Array<{ system?: string; code?: string; display?: string }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** SMART v2 scope, parsed: (patient|user|system)/(Type|*).[c][r][u][d][s]. */
export interface SmartScope {
  context: 'patient' | 'user' | 'system';
  resourceType: string; // '*' for any
  permissions: { c: boolean; r: boolean; u: boolean; d: boolean; s: boolean };
}

/** Who is calling, as established by auth/ (token) and checked against the ledger. */
export type Actor =
  | { kind: 'member'; orgId: string; memberId: string; keyId: string; roles: string[]; scopes: SmartScope[] }
  | { kind: 'patient'; pseudonym: string; keyId: string; scopes: SmartScope[] }
  | { kind: 'delegate'; pseudonym: string; delegateId: string; keyId: string; scopes: SmartScope[] };

/** The purposes of use a request may name: the consent contract's list (PURPOSES_OF_USE). */
export type { PurposeOfUse };

export type Interaction = 'read' | 'vread' | 'search' | 'history' | 'create' | 'update' | 'delete' | 'everything' | 'transaction' | 'batch';

export interface RequestContext {
  actor: Actor;
  /** Purpose of use (header X-Purpose-Of-Use; default TREAT). */
  purpose: PurposeOfUse;
  /** Break-glass reason (header X-Break-Glass-Reason); requires purpose ETREAT or BTG. */
  breakGlassReason?: string;
  /** Why a resource is deleted (header X-Delete-Reason or query parameter `reason`); deletes require it. */
  deleteReason?: string;
  interaction: Interaction;
  /** Correlates the request with its access events (no health data). */
  requestId: string;
}

export interface DateRange {
  /** Inclusive lower bound (ISO instant), from ge/gt/eq prefixes. */
  from?: string;
  /** Inclusive upper bound (ISO instant), from le/lt/eq prefixes. */
  to?: string;
}

export interface TokenParam {
  system?: string;
  code: string;
}

export interface SearchQuery {
  resourceType: string;
  ids?: string[];
  lastUpdated?: DateRange[];
  /** Patient id (pseudonym) from `patient` or `subject` (Patient/<id> or <id>). */
  patient?: string;
  code?: TokenParam[];
  identifier?: TokenParam[];
  date?: DateRange[];
  /** Further token, reference and string parameters (search-values.ts): each an AND group of ORed values. */
  params?: Array<{ name: string; values: TokenParam[] }>;
  /** `_sort` keys, most significant first (default: most recently updated first). */
  sort?: Array<{ key: SortKey; descending: boolean }>;
  count: number;
  offset: number;
}

/** What `_sort` may name: the clinical date (`date`, `birthdate` for Patient) or `_lastUpdated`. */
export type SortKey = 'date' | '_lastUpdated';

export interface SearchResult {
  resources: FhirResource[];
  /** Matches the caller may see, before paging. */
  total: number;
}

export interface HistoryEntry {
  versionId: string;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'DELETE';
  /** Absent for a delete. */
  resource?: FhirResource;
}

export interface EverythingOptions {
  start?: string;
  end?: string;
  since?: string;
  types?: string[];
  count: number;
  offset: number;
}

/** One write inside a transaction bundle (references already resolved by the router). */
export type WriteOp =
  | { op: 'create'; resource: FhirResource }
  | { op: 'update'; resource: FhirResource; ifMatch?: string }
  | { op: 'delete'; resourceType: string; id: string };

/** The extension of a transaction entry's `request` carrying a signed identity/register-patient (JSON in valueString). */
export const REGISTRATION_EXTENSION = 'https://careledger.dev/fhir/StructureDefinition/register-patient';

/**
 * A patient registered by the transaction bundle that carries its records:
 * the member's signed identity/register-patient and the pseudonym it mints.
 */
export interface PatientRegistration {
  envelope: Envelope;
  pseudonym: string;
}

export interface WriteResult {
  resource?: FhirResource;
  status: 201 | 200 | 204;
  versionId?: string;
}

/**
 * The repository behind the router. Implementations enforce access control:
 * errors are CareLedgerError with codes NOT_FOUND, GONE (deleted or erased),
 * FORBIDDEN (consent or scope), PRECONDITION_FAILED (If-Match), CONFLICT.
 */
export interface FhirRepository {
  create(ctx: RequestContext, resource: FhirResource): Promise<FhirResource>;
  read(ctx: RequestContext, resourceType: string, id: string): Promise<FhirResource>;
  vread(ctx: RequestContext, resourceType: string, id: string, versionId: string): Promise<FhirResource>;
  /** ifMatch is the bare versionId. Creates when the id does not exist (update-as-create). */
  update(ctx: RequestContext, resource: FhirResource, ifMatch?: string): Promise<{ resource: FhirResource; created: boolean }>;
  delete(ctx: RequestContext, resourceType: string, id: string): Promise<void>;
  history(ctx: RequestContext, resourceType: string, id: string): Promise<HistoryEntry[]>;
  search(ctx: RequestContext, query: SearchQuery): Promise<SearchResult>;
  everything(ctx: RequestContext, patientId: string, options: EverythingOptions): Promise<SearchResult>;
  /**
   * All or nothing: either every op is applied (and anchored) or none is.
   * `registrations` are committed first (a retry with the same envelopes finds them committed).
   */
  transaction(ctx: RequestContext, ops: WriteOp[], registrations?: readonly PatientRegistration[]): Promise<WriteResult[]>;
}
