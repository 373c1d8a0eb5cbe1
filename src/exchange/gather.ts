// Patient/{id}/$everything across custodians: the records contract keeps no
// per-patient index (state is keyed by recordId, and a scan would list every
// record in the network), so a gather asks every other active organisation;
// each one decides consent itself and answers with nothing, a refusal, or a
// verified bundle. Results are merged; one custodian's failure never hides
// another's records, and each outcome is reported.
import { isCareLedgerError, type ResultCode } from '../errors/index.js';
import { otherActiveOrgs } from './peers.js';
import type { SignedMemberAuthorization } from './protocol.js';
import { ExchangeIntegrityError, requestRecords, type RecordsQuery, type RequesterDeps, type VerifiedRecord } from './requester.js';

export interface GatherQuery {
  patient: string;
  requester: { orgId: string; memberId: string };
  purpose: RecordsQuery['purpose'];
  resourceTypes?: string[];
  /** Ask only these custodians (default: every other active organisation). */
  custodians?: string[];
  /** The requester's signed authorisation, sent to every custodian asked. */
  authorization: SignedMemberAuthorization;
}

export interface CustodianOutcome {
  custodian: string;
  status: 'ok' | 'refused' | 'rejected' | 'unreachable';
  records: number;
  code?: ResultCode;
  message?: string;
  incidentId?: string;
}

export interface GatherResult {
  records: VerifiedRecord[];
  outcomes: CustodianOutcome[];
}

function outcomeOf(custodian: string, error: unknown): CustodianOutcome {
  if (error instanceof ExchangeIntegrityError) {
    const o: CustodianOutcome = { custodian, status: 'rejected', records: 0, code: error.code, message: error.message };
    if (error.incidentId !== undefined) o.incidentId = error.incidentId;
    return o;
  }
  if (!isCareLedgerError(error)) return { custodian, status: 'unreachable', records: 0, code: 'INTERNAL', message: 'exchange failed' };
  const status = error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' ? 'unreachable' : error.field === 'response' ? 'rejected' : 'refused';
  return { custodian, status, records: 0, code: error.code, message: error.message };
}

/** Asks every (or each named) other custodian in parallel and merges the verified records. */
export async function gatherEverything(deps: RequesterDeps, q: GatherQuery): Promise<GatherResult> {
  const others = otherActiveOrgs(deps.ledger.state, deps.ledger.orgId)
    .map((o) => o.orgId)
    .filter((id) => q.custodians === undefined || q.custodians.includes(id));
  const settled = await Promise.allSettled(
    others.map((custodian) => {
      const query: RecordsQuery = { custodian, patient: q.patient, requester: q.requester, purpose: q.purpose, authorization: q.authorization };
      if (q.resourceTypes !== undefined) query.resourceTypes = q.resourceTypes;
      return requestRecords(deps, query);
    }),
  );
  const records: VerifiedRecord[] = [];
  const outcomes: CustodianOutcome[] = [];
  settled.forEach((s, i) => {
    const custodian = others[i] as string;
    if (s.status === 'fulfilled') {
      records.push(...s.value);
      outcomes.push({ custodian, status: 'ok', records: s.value.length });
    } else outcomes.push(outcomeOf(custodian, s.reason));
  });
  return { records, outcomes };
}
