// Case report form data: `anchor-crf` anchors one version of a visit's form
// by its salted commitment (the data stays in the site's vault), signed by
// the participant's site node and naming the investigator who entered it;
// `sign-entry` is a 21 CFR Part 11 signature by a person's own key with its
// meaning (authored, reviewed, approved), bound to the version's commitment.
import { allow, defineAction, refuse, type Refusal, type StateReader } from '../../ledger/contract.js';
import { refused, siteParticipant, trialOf } from './authority.js';
import {
  TRIALS_NAMESPACE,
  crfKey,
  crfVersionKey,
  getCrfHead,
  getCrfVersion,
  getParticipant,
  hasCurrentConsent,
  isPrincipalInvestigator,
  signatureKey,
  type CrfHead,
  type CrfVersion,
  type EntrySignature,
  type ParticipantRecord,
  type TrialRecord,
} from './keys.js';
import { anchorCrfArgs, signEntryArgs, type SignEntryArgs } from './schema.js';
import { actingMember, memberHasRole, type ActingMember } from './views.js';

/**
 * The rules of capture, in order: trial not locked, participant not
 * withdrawn, enrolled, consented to the trial's consent version (each
 * RULE_VIOLATION); then the version chain: 1 for a new form, latest + 1
 * otherwise (CONFLICT).
 */
export function checkCapture(trial: TrialRecord, record: ParticipantRecord, head: CrfHead | undefined, version: number): Refusal | undefined {
  if (trial.status !== 'open') return refuse('RULE_VIOLATION', 'capture after database lock');
  if (record.status === 'withdrawn') return refuse('RULE_VIOLATION', 'capture after withdrawal');
  if (record.status !== 'enrolled') return refuse('RULE_VIOLATION', 'capture before enrolment');
  if (!hasCurrentConsent(trial, record)) return refuse('RULE_VIOLATION', `capture requires consent to version ${trial.consentVersion} or later`);
  const expected = (head?.latest ?? 0) + 1;
  return version === expected ? undefined : refuse('CONFLICT', `the next version is ${expected}`);
}

export const anchorCrf = defineAction({
  args: anchorCrfArgs,
  authorize(ctx, args) {
    const found = siteParticipant(ctx, args.trialId, args.participant);
    if (refused(found)) return found;
    if (!memberHasRole(ctx.state, { orgId: found.site, memberId: args.author }, 'investigator')) {
      return refuse('UNAUTHORIZED', 'the author is not an active investigator of the site');
    }
    const head = getCrfHead(ctx.state, args.trialId, args.participant, args.visit, args.form);
    return checkCapture(found.trial, found.record, head, args.version) ?? allow(found.site);
  },
  apply(ctx, args, site) {
    const head: CrfHead = {
      trialId: args.trialId,
      participant: args.participant,
      visit: args.visit,
      form: args.form,
      site,
      latest: args.version,
      updatedAt: ctx.blockTime,
    };
    const version: CrfVersion = {
      version: args.version,
      commitment: args.commitment,
      reason: args.reason,
      author: { orgId: site, memberId: args.author },
      at: ctx.blockTime,
      txId: ctx.txId,
    };
    ctx.state.put(TRIALS_NAMESPACE, crfKey(args.trialId, args.participant, args.visit, args.form), head);
    ctx.state.put(TRIALS_NAMESPACE, crfVersionKey(args.trialId, args.participant, args.visit, args.form, args.version), version);
    ctx.emit('crf-anchored', { trialId: args.trialId, site, version: args.version });
    return undefined;
  },
});

/**
 * Who may sign with which meaning: 'authored' an investigator of the
 * participant's site; 'reviewed' such an investigator or a sponsor member of
 * the trial's sponsor (a monitor); 'approved' a principal investigator named
 * at registration for that site.
 */
export function maySign(state: StateReader, trial: TrialRecord, site: string, member: ActingMember, meaning: SignEntryArgs['meaning']): boolean {
  const siteInvestigator = member.orgId === site && member.roles.includes('investigator');
  switch (meaning) {
    case 'authored':
      return siteInvestigator;
    case 'reviewed':
      return siteInvestigator || (member.orgId === trial.sponsor && member.roles.includes('sponsor'));
    case 'approved':
      return siteInvestigator && isPrincipalInvestigator(state, trial.trialId, { orgId: site, memberId: member.memberId });
  }
}

export const signEntry = defineAction({
  args: signEntryArgs,
  authorize(ctx, args) {
    const member = actingMember(ctx);
    if (member === undefined) return refuse('UNAUTHORIZED', 'signer is not an active member');
    const trial = trialOf(ctx, args.trialId);
    if (refused(trial)) return trial;
    const record = getParticipant(ctx.state, args.trialId, args.participant);
    const head = getCrfHead(ctx.state, args.trialId, args.participant, args.visit, args.form);
    const version = getCrfVersion(ctx.state, args.trialId, args.participant, args.visit, args.form, args.version);
    if (record === undefined || head === undefined || version === undefined) return refuse('NOT_FOUND', 'no such entry version');
    if (!maySign(ctx.state, trial, record.site, member, args.meaning)) return refuse('UNAUTHORIZED', `signer may not sign as ${args.meaning}`);
    if (trial.status !== 'open') return refuse('RULE_VIOLATION', 'signing after database lock');
    if (version.commitment !== args.commitment) return refuse('CONFLICT', 'the commitment differs from the anchored version');
    if (head.latest !== args.version) return refuse('CONFLICT', 'the version is superseded');
    if (ctx.state.get(TRIALS_NAMESPACE, sigKeyOf(args, member)) !== undefined) return refuse('ALREADY_EXISTS', 'already signed with this meaning');
    return allow(member);
  },
  apply(ctx, args, member) {
    const signature: EntrySignature = {
      meaning: args.meaning,
      orgId: member.orgId,
      memberId: member.memberId,
      printedName: member.printedName,
      keyId: ctx.signer,
      commitment: args.commitment,
      at: ctx.blockTime,
      txId: ctx.txId,
    };
    ctx.state.put(TRIALS_NAMESPACE, sigKeyOf(args, member), signature);
    ctx.emit('signed', { trialId: args.trialId, meaning: args.meaning, orgId: member.orgId });
    return undefined;
  },
});

function sigKeyOf(args: SignEntryArgs, member: ActingMember): string {
  return signatureKey(args.trialId, args.participant, args.visit, args.form, args.version, args.meaning, { orgId: member.orgId, memberId: member.memberId });
}
