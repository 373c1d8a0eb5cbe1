// Participants and their consent. A site's node adds a participant under its
// per-trial pseudonym with the participant's (and any legally authorised
// representative's) trial-only consent keys; the participant signs a consent
// statement for the current protocol version with such a key (statements.ts)
// and the site's node carries it, so no registry key, and so no ledger
// pseudonym, is ever linked to the trial. Enrolment requires a
// consent covering the trial's current consent version; withdrawal is the
// participant's (or the site's, recording it) and is final.
import { allow, defineAction, refuse, type Refusal } from '../../ledger/contract.js';
import { refused, siteNodeOf, siteParticipant, trialOf } from './authority.js';
import {
  TRIALS_NAMESPACE,
  consentKey,
  consentKeyRefKey,
  getConsentKeyRef,
  getParticipant,
  getTrialConsent,
  hasCurrentConsent,
  participantKey,
  type ParticipantRecord,
  type TrialConsent,
  type TrialRecord,
  type ConsentSigner,
} from './keys.js';
import { addParticipantArgs, consentArgs, participantArgs, withdrawArgs } from './schema.js';
import { consentStatement, verifyStatement, withdrawalStatement, type ConsentStatement, type ParticipantAttestation } from './statements.js';
import { isRegisteredKey } from './views.js';

export const addParticipant = defineAction({
  args: addParticipantArgs,
  authorize(ctx, args) {
    const trial = trialOf(ctx, args.trialId);
    if (refused(trial)) return trial;
    const site = siteNodeOf(ctx, trial);
    if (typeof site !== 'string') return site;
    if (trial.status !== 'open') return refuse('RULE_VIOLATION', 'the trial is locked');
    if (getParticipant(ctx.state, args.trialId, args.participant) !== undefined) return refuse('ALREADY_EXISTS', 'participant exists');
    for (const k of args.consentKeys) {
      // A registry key would tie the trial to the holder's ledger identity.
      if (isRegisteredKey(ctx.state, k.keyId)) return refuse('RULE_VIOLATION', 'consent keys must be trial-only keys');
      if (getConsentKeyRef(ctx.state, k.keyId) !== undefined) return refuse('ALREADY_EXISTS', 'a consent key is already in use');
    }
    return allow(site);
  },
  apply(ctx, args, site) {
    const record: ParticipantRecord = {
      trialId: args.trialId,
      participant: args.participant,
      site,
      consentKeys: args.consentKeys,
      status: 'screened',
      consentedVersion: 0,
      addedAt: ctx.blockTime,
    };
    ctx.state.put(TRIALS_NAMESPACE, participantKey(args.trialId, args.participant), record);
    for (const k of args.consentKeys) {
      ctx.state.put(TRIALS_NAMESPACE, consentKeyRefKey(k.keyId), { trialId: args.trialId, participant: args.participant });
    }
    ctx.emit('participant-added', { trialId: args.trialId, site });
    return undefined;
  },
});

/** The role of the consent key that signed `statement`, or UNAUTHORIZED (bad signature or not one of the participant's keys). */
function attestedRole(record: ParticipantRecord, statement: ConsentStatement, attestation: ParticipantAttestation): ConsentSigner | Refusal {
  const key = record.consentKeys.find((k) => k.keyId === attestation.keyId);
  if (key === undefined || !verifyStatement(statement, attestation)) return refuse('UNAUTHORIZED', "not a valid signature by one of the participant's consent keys");
  return key.role;
}

export const consent = defineAction({
  args: consentArgs,
  authorize(ctx, args) {
    const found = siteParticipant(ctx, args.trialId, args.participant);
    if (refused(found)) return found;
    const { trial, record } = found;
    const role = attestedRole(record, consentStatement(ctx.network, args.trialId, args.participant, args.version), args.attestation);
    if (typeof role !== 'string') return role;
    if (record.status === 'withdrawn') return refuse('RULE_VIOLATION', 'the participant has withdrawn');
    if (trial.status !== 'open') return refuse('RULE_VIOLATION', 'the trial is locked');
    if (args.version !== trial.version) return refuse('CONFLICT', `consent is given to the current protocol version ${trial.version}`);
    if (getTrialConsent(ctx.state, args.trialId, args.participant, args.version) !== undefined) {
      return refuse('ALREADY_EXISTS', 'consent to this version is recorded');
    }
    return allow({ record, role });
  },
  apply(ctx, args, { record, role }) {
    const entry: TrialConsent = { version: args.version, keyId: args.attestation.keyId, sig: args.attestation.sig, signedAs: role, at: ctx.blockTime, txId: ctx.txId };
    ctx.state.put(TRIALS_NAMESPACE, consentKey(args.trialId, args.participant, args.version), entry);
    ctx.state.put(TRIALS_NAMESPACE, participantKey(args.trialId, args.participant), { ...record, consentedVersion: args.version });
    ctx.emit('consented', { trialId: args.trialId, version: args.version });
    return undefined;
  },
});

/** Enrolment before a consent covering the trial's consent version is a rule violation. */
export function checkEnrolment(trial: TrialRecord, record: ParticipantRecord): Refusal | undefined {
  if (trial.status !== 'open') return refuse('RULE_VIOLATION', 'the trial is locked');
  if (record.status === 'withdrawn') return refuse('RULE_VIOLATION', 'the participant has withdrawn');
  if (record.status === 'enrolled') return refuse('ALREADY_EXISTS', 'the participant is enrolled');
  if (!hasCurrentConsent(trial, record)) return refuse('RULE_VIOLATION', `enrolment requires consent to version ${trial.consentVersion} or later`);
  return undefined;
}

export const enrol = defineAction({
  args: participantArgs,
  authorize(ctx, args) {
    const found = siteParticipant(ctx, args.trialId, args.participant);
    if (refused(found)) return found;
    return checkEnrolment(found.trial, found.record) ?? allow(found.record);
  },
  apply(ctx, args, record) {
    ctx.state.put(TRIALS_NAMESPACE, participantKey(args.trialId, args.participant), { ...record, status: 'enrolled', enrolledAt: ctx.blockTime });
    ctx.emit('enrolled', { trialId: args.trialId, site: record.site });
    return undefined;
  },
});

export const withdraw = defineAction({
  args: withdrawArgs,
  authorize(ctx, args) {
    const found = siteParticipant(ctx, args.trialId, args.participant);
    if (refused(found)) return found;
    let by: ConsentSigner | 'site' = 'site';
    if (args.attestation !== undefined) {
      const role = attestedRole(found.record, withdrawalStatement(ctx.network, args.trialId, args.participant), args.attestation);
      if (typeof role !== 'string') return role;
      by = role;
    }
    if (found.record.status === 'withdrawn') return refuse('CONFLICT', 'the participant has already withdrawn');
    return allow({ record: found.record, by });
  },
  apply(ctx, args, { record, by }) {
    ctx.state.put(TRIALS_NAMESPACE, participantKey(args.trialId, args.participant), {
      ...record,
      status: 'withdrawn',
      withdrawnAt: ctx.blockTime,
      withdrawnBy: by,
    });
    ctx.emit('withdrawn', { trialId: args.trialId, by });
    return undefined;
  },
});
