// HTTP-free queries over access state for the doors and services: the
// anchored head of a patient's access chain (what a disclosure report for a
// period is checked against), an organisation's break-glass queue, its chain
// heads and the incidents it reported.
import { allOf, pageOf, type Page, type StateReader, type StateScan } from '../keys/keys.js';
import {
  ACCESS_NAMESPACE,
  btgPrefix,
  chainPrefix,
  getChainHead,
  incidentPrefix,
  type BreakGlassMark,
  type ChainHeadRecord,
  type IncidentRecord,
} from './keys.js';

/** The latest anchored head of a custodian's chain (the anchor of a patient's disclosure report). */
export function anchoredHead(reader: StateReader, custodianOrg: string, chain: string): ChainHeadRecord | undefined {
  return getChainHead(reader, custodianOrg, chain);
}

/** An organisation's break-glass marks (pending and reviewed) in reference order; TOO_LARGE beyond `max`. */
export function breakGlassMarks(scan: StateScan, custodianOrg: string, max: number): BreakGlassMark[] {
  return allOf<BreakGlassMark>(scan, ACCESS_NAMESPACE, btgPrefix(custodianOrg), max);
}

/** The break-glass queue: marks still awaiting the privacy officer's review. */
export function breakGlassQueue(scan: StateScan, custodianOrg: string, max: number): BreakGlassMark[] {
  return breakGlassMarks(scan, custodianOrg, max).filter((m) => m.status === 'pending');
}

/** A page of an organisation's anchored chain heads; `after` is the chain id the previous page ended with. */
export function chainHeads(scan: StateScan, custodianOrg: string, limit: number, after?: string): Page<ChainHeadRecord> {
  return pageOf<ChainHeadRecord>(scan, ACCESS_NAMESPACE, chainPrefix(custodianOrg), limit, after);
}

/** A page of the incidents an organisation reported; `after` is the incident id the previous page ended with. */
export function incidentsOf(scan: StateScan, reporterOrg: string, limit: number, after?: string): Page<IncidentRecord> {
  return pageOf<IncidentRecord>(scan, ACCESS_NAMESPACE, incidentPrefix(reporterOrg), limit, after);
}
