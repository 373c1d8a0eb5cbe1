// Trial registration and its life cycle, all by the sponsor: `register` (v1
// of the protocol with the hashes of the protocol and the statistical
// analysis plan and the pre-specified endpoints, before any enrolment),
// `amend` (a new version with reason, ethics approval and whether re-consent
// is required), `lock` (database lock: no capture after it) and
// `declare-results` (the results' hash and the endpoints reported).
import { allow, defineAction, refuse } from '../../ledger/contract.js';
import { refused, sponsorOf, sponsoredOpenTrial, trialOf } from './authority.js';
import { TRIALS_NAMESPACE, getResults, getTrial, investigatorKey, protocolKey, resultsKey, siteKey, trialKey, type ProtocolVersion, type TrialRecord, type TrialSite } from './keys.js';
import { amendArgs, declareResultsArgs, lockArgs, registerArgs } from './schema.js';
import { isOrgActive, memberHasRole } from './views.js';

export const register = defineAction({
  args: registerArgs,
  authorize(ctx, args) {
    const sponsor = sponsorOf(ctx);
    if (refused(sponsor)) return sponsor;
    if (getTrial(ctx.state, args.trialId) !== undefined) return refuse('ALREADY_EXISTS', 'trial id is taken');
    if (!args.sites.every((s) => isOrgActive(ctx.state, s))) return refuse('NOT_FOUND', 'a site is not an active organisation');
    for (const pi of args.investigators) {
      if (!args.sites.includes(pi.orgId)) return refuse('RULE_VIOLATION', 'an investigator is not at a listed site');
      if (!memberHasRole(ctx.state, pi, 'investigator')) return refuse('RULE_VIOLATION', 'an investigator is not an active investigator member');
    }
    return allow(sponsor.orgId);
  },
  apply(ctx, args, sponsor) {
    const trial: TrialRecord = {
      trialId: args.trialId,
      registryId: args.registryId,
      title: args.title,
      phase: args.phase,
      sponsor,
      version: 1,
      consentVersion: 1,
      status: 'open',
      registeredAt: ctx.blockTime,
      registeredHeight: ctx.height,
    };
    const v1: ProtocolVersion = {
      version: 1,
      protocolHash: args.protocolHash,
      sapHash: args.sapHash,
      endpoints: args.endpoints,
      reconsentRequired: true,
      at: ctx.blockTime,
      txId: ctx.txId,
      signer: ctx.signer,
    };
    ctx.state.put(TRIALS_NAMESPACE, trialKey(args.trialId), trial);
    for (const orgId of args.sites) {
      const site: TrialSite = { trialId: args.trialId, orgId, since: ctx.blockTime };
      ctx.state.put(TRIALS_NAMESPACE, siteKey(args.trialId, orgId), site);
    }
    for (const pi of args.investigators) ctx.state.put(TRIALS_NAMESPACE, investigatorKey(args.trialId, pi), { orgId: pi.orgId, memberId: pi.memberId });
    ctx.state.put(TRIALS_NAMESPACE, protocolKey(args.trialId, 1), v1);
    ctx.emit('registered', { trialId: args.trialId, version: 1 });
    return undefined;
  },
});

export const amend = defineAction({
  args: amendArgs,
  authorize(ctx, args) {
    const found = sponsoredOpenTrial(ctx, args.trialId);
    if (refused(found)) return found;
    if (args.version !== found.trial.version + 1) return refuse('CONFLICT', `the next version is ${found.trial.version + 1}`);
    return allow(found.trial);
  },
  apply(ctx, args, trial) {
    const version: ProtocolVersion = {
      version: args.version,
      protocolHash: args.protocolHash,
      sapHash: args.sapHash,
      endpoints: args.endpoints,
      reconsentRequired: args.reconsentRequired,
      reason: args.reason,
      ethicsRef: args.ethicsRef,
      at: ctx.blockTime,
      txId: ctx.txId,
      signer: ctx.signer,
    };
    ctx.state.put(TRIALS_NAMESPACE, protocolKey(args.trialId, args.version), version);
    const consentVersion = args.reconsentRequired ? args.version : trial.consentVersion;
    ctx.state.put(TRIALS_NAMESPACE, trialKey(args.trialId), { ...trial, version: args.version, consentVersion });
    ctx.emit('amended', { trialId: args.trialId, version: args.version, reconsentRequired: args.reconsentRequired });
    return undefined;
  },
});

export const lock = defineAction({
  args: lockArgs,
  authorize(ctx, args) {
    const found = sponsoredOpenTrial(ctx, args.trialId);
    return refused(found) ? found : allow(found.trial);
  },
  apply(ctx, args, trial) {
    ctx.state.put(TRIALS_NAMESPACE, trialKey(args.trialId), { ...trial, status: 'locked', lockedAt: ctx.blockTime, lockedHeight: ctx.height });
    ctx.emit('locked', { trialId: args.trialId });
    return undefined;
  },
});

export const declareResults = defineAction({
  args: declareResultsArgs,
  authorize(ctx, args) {
    const trial = trialOf(ctx, args.trialId);
    if (refused(trial)) return trial;
    const sponsor = sponsorOf(ctx, trial.sponsor);
    if (refused(sponsor)) return sponsor;
    if (trial.status !== 'locked') return refuse('CONFLICT', 'results are declared after database lock');
    if (getResults(ctx.state, args.trialId) !== undefined) return refuse('ALREADY_EXISTS', 'results are already declared');
    return undefined;
  },
  apply(ctx, args) {
    ctx.state.put(TRIALS_NAMESPACE, resultsKey(args.trialId), {
      resultsHash: args.resultsHash,
      endpoints: args.endpoints,
      at: ctx.blockTime,
      txId: ctx.txId,
      signer: ctx.signer,
    });
    ctx.emit('results', { trialId: args.trialId });
    return undefined;
  },
});
