// The requester's $everything across custodians as an HTTP-free use case
// (the door in api/exchange-routes.ts parses and authenticates, then calls
// it): the patient's verified records from every custodian consent allows
// (or one named custodian), plus this node's own, as a FHIR searchset Bundle
// whose last entry is an OperationOutcome saying what each custodian answered.
import { isCareLedgerError } from '../errors/index.js';
import { informationOutcome, operationOutcome, type OperationOutcome, type OutcomeIssue } from '../fhir/router/outcome.js';
import type { FhirResource } from '../fhir/types.js';
import { gatherEverything, type CustodianOutcome, type GatherQuery, type GatherResult } from './gather.js';
import { requestRecords, type RequesterDeps } from './requester.js';

export interface EverythingQuery extends Omit<GatherQuery, 'custodians'> {
  /** Ask only this custodian (this node's own organisation: only the local records). */
  custodian?: string;
  /** This node's own records of the patient the actor may read; omitted: none. */
  local?: () => Promise<FhirResource[]>;
}

/** One custodian's answer as an issue of the Bundle's OperationOutcome. */
function issueOf(o: CustodianOutcome): OutcomeIssue {
  const expression = [`custodian:${o.custodian}`];
  if (o.status === 'ok') return { ...informationOutcome(`${o.custodian}: ${o.records} verified records`).issue[0]!, expression };
  const text = `${o.custodian}: ${o.code ?? ''} ${o.message ?? ''}`.trim();
  const issueCode = o.status === 'refused' ? 'forbidden' : o.status === 'rejected' ? 'security' : 'transient';
  const issue = operationOutcome(o.code ?? 'INTERNAL', text, { issueCode, expression }).issue[0]!;
  return o.status === 'refused' ? { ...issue, severity: 'warning' } : issue;
}

function outcomeResource(outcomes: CustodianOutcome[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: outcomes.map(issueOf) };
}

/** The searchset Bundle: local records, then verified remote ones, then the outcome entry when any custodian was asked. */
export function everythingBundle(result: GatherResult, local: FhirResource[], self: string, timestamp: string): FhirResource {
  const entry: Array<Record<string, unknown>> = [
    ...local.map((resource) => ({ fullUrl: `urn:careledger:${self}:${resource.resourceType}/${String(resource['id'] ?? '')}`, resource, search: { mode: 'match' } })),
    ...result.records.map((r) => ({ fullUrl: `urn:careledger:${r.custodian}:${r.recordId}:${r.version}`, resource: r.resource, search: { mode: 'match' } })),
  ];
  const total = entry.length;
  if (result.outcomes.length > 0) entry.push({ resource: outcomeResource(result.outcomes), search: { mode: 'outcome' } });
  return { resourceType: 'Bundle', type: 'searchset', timestamp, total, entry };
}

/**
 * Gathers the patient's records: from one named custodian (its refusal is the
 * answer, e.g. FORBIDDEN for no consent), from every other active custodian,
 * or none when the named custodian is this node; then this node's own
 * records (a refusal there is an outcome, not the answer).
 */
export async function everythingAcrossCustodians(deps: RequesterDeps, q: EverythingQuery): Promise<FhirResource> {
  const self = deps.ledger.orgId;
  const { custodian, local: readLocal, ...common } = q;
  let result: GatherResult;
  if (custodian !== undefined && custodian !== self) {
    const records = await requestRecords(deps, { ...common, custodian });
    result = { records, outcomes: [{ custodian, status: 'ok', records: records.length }] };
  } else if (custodian === self) {
    result = { records: [], outcomes: [] };
  } else result = await gatherEverything(deps, common);
  let local: FhirResource[] = [];
  if (readLocal !== undefined && (custodian === undefined || custodian === self)) {
    try {
      local = (await readLocal()).filter((r) => q.resourceTypes === undefined || q.resourceTypes.includes(r.resourceType));
      result.outcomes.push({ custodian: self, status: 'ok', records: local.length });
    } catch (error) {
      if (!isCareLedgerError(error)) throw error;
      result.outcomes.push({ custodian: self, status: 'refused', records: 0, code: error.code, message: error.message });
    }
  }
  return everythingBundle(result, local, self, new Date().toISOString());
}
