// Who may act on a trial: the sponsor (a member with the 'sponsor' role of the
// sponsoring organisation), a site (the node of an organisation listed as a
// site: it holds the site secret and the CRF data), site investigators
// (members with the 'investigator' role at a site) and the participant (a
// trial-only consent key). Roles come from identity's catalogue; no new role.
import { refuse, type ExecContext, type Refusal } from '../../ledger/contract.js';
import { getParticipant, getTrial, isTrialSite, type ParticipantRecord, type TrialRecord } from './keys.js';
import { actingMember, actingNodeOrg, type ActingMember } from './views.js';

/** A Refusal rather than a found value (records never carry a `code` field). */
export function refused<T extends object>(value: T | Refusal): value is Refusal {
  return 'code' in value && typeof (value as { code: unknown }).code === 'string' && !('trialId' in value);
}

/** The signer as a sponsor member (of `sponsorOrg` when given), or UNAUTHORIZED. */
export function sponsorOf(ctx: ExecContext, sponsorOrg?: string): ActingMember | Refusal {
  const member = actingMember(ctx);
  if (member === undefined || !member.roles.includes('sponsor')) return refuse('UNAUTHORIZED', 'signer is not an active sponsor member');
  if (sponsorOrg !== undefined && member.orgId !== sponsorOrg) return refuse('UNAUTHORIZED', "signer is not a member of the trial's sponsor");
  return member;
}

/** The trial, NOT_FOUND if unknown. */
export function trialOf(ctx: ExecContext, trialId: string): TrialRecord | Refusal {
  return getTrial(ctx.state, trialId) ?? refuse('NOT_FOUND', 'no such trial');
}

/** The trial for a sponsor action: known (NOT_FOUND), signed by its sponsor (UNAUTHORIZED), still open (CONFLICT). */
export function sponsoredOpenTrial(ctx: ExecContext, trialId: string): { trial: TrialRecord; sponsor: ActingMember } | Refusal {
  const trial = trialOf(ctx, trialId);
  if (refused(trial)) return trial;
  const sponsor = sponsorOf(ctx, trial.sponsor);
  if (refused(sponsor)) return sponsor;
  if (trial.status !== 'open') return refuse('CONFLICT', 'the trial is locked');
  return { trial, sponsor };
}

/** The signer's org if it is the node of one of the trial's sites, else UNAUTHORIZED. */
export function siteNodeOf(ctx: ExecContext, trial: TrialRecord, site?: string): string | Refusal {
  const org = actingNodeOrg(ctx);
  if (org === undefined || !isTrialSite(ctx.state, trial.trialId, org)) return refuse('UNAUTHORIZED', 'signer is not the node of a trial site');
  if (site !== undefined && org !== site) return refuse('UNAUTHORIZED', "signer is not the participant's site");
  return org;
}

/** Trial and participant for a site action: both known (NOT_FOUND), signed by the participant's site node (UNAUTHORIZED). */
export function siteParticipant(
  ctx: ExecContext,
  trialId: string,
  participant: string,
): { trial: TrialRecord; record: ParticipantRecord; site: string } | Refusal {
  const trial = trialOf(ctx, trialId);
  if (refused(trial)) return trial;
  const anySite = siteNodeOf(ctx, trial);
  if (typeof anySite !== 'string') return anySite;
  const record = getParticipant(ctx.state, trialId, participant);
  if (record === undefined) return refuse('NOT_FOUND', 'no such participant');
  const site = siteNodeOf(ctx, trial, record.site);
  return typeof site === 'string' ? { trial, record, site } : site;
}
