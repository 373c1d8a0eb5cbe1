// HTTP-free queries over governance state for the doors and services: the
// network configuration, organisations and proposals (point reads and pages).
import { pageOf, type Page, type StateReader, type StateScan } from '../keys/keys.js';
import {
  GOVERNANCE_NAMESPACE,
  getActiveOrgIds,
  orgTlsPins,
  ORG_PREFIX,
  PROPOSAL_PREFIX,
  getNetworkConfig,
  getOrg,
  getProposal,
  type NetworkConfig,
  type OrgRecord,
  type ProposalRecord,
} from './keys.js';

/** The network configuration (undefined before genesis). */
export function networkConfig(reader: StateReader): NetworkConfig | undefined {
  return getNetworkConfig(reader);
}

/** One organisation's record (active or removed). */
export function orgRecord(reader: StateReader, orgId: string): OrgRecord | undefined {
  return getOrg(reader, orgId);
}

/** A page of organisations in id order; `after` is the org id the previous page ended with. */
export function listOrgs(scan: StateScan, limit: number, after?: string): Page<OrgRecord> {
  return pageOf<OrgRecord>(scan, GOVERNANCE_NAMESPACE, ORG_PREFIX, limit, after);
}

/** One proposal (open, executed or rejected). */
export function proposalRecord(reader: StateReader, proposalId: string): ProposalRecord | undefined {
  return getProposal(reader, proposalId);
}

/** A page of proposals in id order; `after` is the proposal id the previous page ended with. */
export function listProposals(scan: StateScan, limit: number, after?: string): Page<ProposalRecord> {
  return pageOf<ProposalRecord>(scan, GOVERNANCE_NAMESPACE, PROPOSAL_PREFIX, limit, after);
}

/**
 * The TLS pins a peer at `origin` (scheme://host:port) must present: those of
 * every active org whose registered endpoint has that origin (normally one),
 * or undefined when none of them registered pins.
 */
export function tlsPinsForOrigin(reader: StateReader, origin: string): string[] | undefined {
  const pins = getActiveOrgIds(reader).flatMap((id) => {
    const org = getOrg(reader, id);
    return org !== undefined && originOf(org.endpoint) === origin ? (orgTlsPins(reader, id) ?? []) : [];
  });
  return pins.length === 0 ? undefined : [...new Set(pins)];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
