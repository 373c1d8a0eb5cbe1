// Who may use which part of the trials service, from the authenticated actor
// (structurally the SMART actor of src/auth). Registrations are public to any
// authenticated caller; participants' data only to investigators of the
// participant's site on that site's node; the audit trail to the sponsor's
// members, the sites' investigators and auditors of those organisations.
import { CareLedgerError } from '../errors/index.js';
import { isTrialSite, type ParticipantRecord, type TrialRecord } from '../contracts/trials/index.js';
import type { StateReader } from '../ledger/index.js';

export type TrialsActor =
  | { kind: 'member'; orgId: string; memberId: string; roles: readonly string[] }
  | { kind: 'patient' | 'delegate' };

/** An investigator of this node's org, which is a site of the trial. */
export function isSiteInvestigator(state: StateReader, actor: TrialsActor, trial: TrialRecord, nodeOrg: string): actor is Extract<TrialsActor, { kind: 'member' }> {
  return actor.kind === 'member' && actor.orgId === nodeOrg && actor.roles.includes('investigator') && isTrialSite(state, trial.trialId, nodeOrg);
}

/** Sponsor members, site investigators and auditors of the trial's organisations. */
export function mayAudit(state: StateReader, actor: TrialsActor, trial: TrialRecord): boolean {
  if (actor.kind !== 'member') return false;
  if (actor.orgId === trial.sponsor && (actor.roles.includes('sponsor') || actor.roles.includes('auditor'))) return true;
  return (actor.roles.includes('investigator') || actor.roles.includes('auditor')) && isTrialSite(state, trial.trialId, actor.orgId);
}

/** The participant if the actor may see its data here; NOT_FOUND otherwise, exactly as for an unknown one. */
export function requireOwnParticipant(state: StateReader, actor: TrialsActor, trial: TrialRecord, record: ParticipantRecord | undefined, nodeOrg: string): ParticipantRecord {
  if (record === undefined || record.site !== nodeOrg || !isSiteInvestigator(state, actor, trial, nodeOrg)) {
    throw new CareLedgerError('NOT_FOUND', 'no such participant');
  }
  return record;
}

/** The actor as a site investigator here, FORBIDDEN otherwise. */
export function requireSiteInvestigator(state: StateReader, actor: TrialsActor, trial: TrialRecord, nodeOrg: string): Extract<TrialsActor, { kind: 'member' }> {
  if (!isSiteInvestigator(state, actor, trial, nodeOrg)) throw new CareLedgerError('FORBIDDEN', "only an investigator of a trial site may do this at the site's node");
  return actor;
}
