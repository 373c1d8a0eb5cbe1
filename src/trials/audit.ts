// The audit trail export of a trial (21 CFR 11.10(e): secure, computer-
// generated, time-stamped; ALCOA+): everything the ledger holds about it —
// registration and every protocol version, participants with their signed
// consents, every CRF version with its commitment, reason, author and time,
// Part 11 signatures, lock, results with the outcome-switching comparison,
// and every trials transaction naming the trial, refused ones included —
// each with the txId an independent reader checks against the ledger. No
// CRF data: commitments only. Also a plain-text rendering for people.
import {
  consentsOf,
  crfAnchorsOf,
  getResults,
  investigatorsOf,
  sitesOf,
  outcomeReport,
  participantsOf,
  protocolHistory,
  signaturesOf,
  type CrfAnchor,
  type MemberRef,
  type OutcomeReport,
  type ParticipantRecord,
  type ProtocolVersion,
  type ResultsRecord,
  type SignatureEntry,
  type TrialConsent,
  type TrialRecord,
} from '../contracts/trials/index.js';
import type { LedgerPort } from '../ledger/index.js';
import { trialTransactions, violationAttempts, type TrialTx, type TrialsLogPort } from './ledger-log.js';

export const AUDIT_FORMAT = 'careledger.trial-audit/1';

export interface AuditTrail {
  format: typeof AUDIT_FORMAT;
  network: string;
  trialId: string;
  generatedAt: string;
  height: number;
  trial: TrialRecord;
  sites: string[];
  investigators: MemberRef[];
  protocol: ProtocolVersion[];
  participants: Array<ParticipantRecord & { consents: TrialConsent[] }>;
  entries: CrfAnchor[];
  signatures: SignatureEntry[];
  results: ResultsRecord | null;
  outcome: OutcomeReport | null;
  transactions: TrialTx[];
  violations: TrialTx[];
}

export type AuditPort = TrialsLogPort & Pick<LedgerPort, 'networkId' | 'state' | 'scan' | 'now'>;

/** The audit trail of `trial` (already looked up) as of the current head. */
export function auditTrailOf(port: AuditPort, trial: TrialRecord): AuditTrail {
  const { trialId } = trial;
  const transactions = trialTransactions(port, trialId);
  return {
    format: AUDIT_FORMAT,
    network: port.networkId,
    trialId,
    generatedAt: port.now(),
    height: port.head().height,
    trial,
    sites: sitesOf(port.scan, trialId),
    investigators: investigatorsOf(port.scan, trialId),
    protocol: protocolHistory(port.scan, trialId),
    participants: participantsOf(port.scan, trialId).map((p) => ({ ...p, consents: consentsOf(port.scan, trialId, p.participant) })),
    entries: crfAnchorsOf(port.scan, trialId),
    signatures: signaturesOf(port.scan, trialId),
    results: getResults(port.state, trialId) ?? null,
    outcome: outcomeReport(port.state, port.scan, trialId) ?? null,
    transactions,
    violations: violationAttempts(transactions),
  };
}

/** A readable rendering of an audit trail (no participant data beyond pseudonyms). */
export function renderAuditReport(a: AuditTrail): string {
  const lines: string[] = [];
  const t = a.trial;
  lines.push(`Audit trail of trial ${t.trialId} (${t.registryId}) on network ${a.network}, ledger height ${a.height}, generated ${a.generatedAt}`);
  lines.push(`Title: ${t.title}`, `Phase: ${t.phase}; sponsor: ${t.sponsor}; sites: ${a.sites.join(', ')}; status: ${t.status}${t.lockedAt === undefined ? '' : ` (locked ${t.lockedAt})`}`);
  lines.push('', 'Protocol versions:');
  for (const v of a.protocol) {
    const why = v.version === 1 ? 'registration' : `amendment: ${v.reason ?? ''} (ethics ${v.ethicsRef ?? ''})`;
    lines.push(`  v${v.version} ${v.at} protocol ${v.protocolHash.slice(0, 16)}… SAP ${v.sapHash.slice(0, 16)}… re-consent ${v.reconsentRequired ? 'required' : 'not required'}; ${why}; tx ${v.txId}`);
    for (const e of v.endpoints) lines.push(`     ${e.type} ${e.id}: ${e.title} (${e.timeFrame})`);
  }
  lines.push('', `Participants (${a.participants.length}):`);
  for (const p of a.participants) {
    const consents = p.consents.map((c) => `v${c.version} by ${c.signedAs} ${c.at}`).join('; ') || 'none';
    lines.push(`  ${p.participant} at ${p.site}: ${p.status}${p.withdrawnAt === undefined ? '' : ` (withdrawn ${p.withdrawnAt} by ${p.withdrawnBy ?? '?'})`}; consents: ${consents}`);
  }
  lines.push('', `Case report form versions (${a.entries.length}):`);
  for (const e of a.entries) {
    lines.push(`  ${e.participant} ${e.visit}/${e.form} v${e.version} ${e.anchor.at} ${e.anchor.reason} by ${e.anchor.author.orgId}/${e.anchor.author.memberId}; commitment ${e.anchor.commitment}; tx ${e.anchor.txId}`);
  }
  lines.push('', `Electronic signatures (${a.signatures.length}):`);
  for (const s of a.signatures) {
    lines.push(`  ${s.signature.printedName} (${s.signature.orgId}/${s.signature.memberId}) ${s.signature.meaning} ${s.participant} ${s.visit}/${s.form} v${s.version} at ${s.signature.at}; tx ${s.signature.txId}`);
  }
  lines.push('', 'Results and outcome switching:');
  if (a.results === null || a.outcome === null) {
    lines.push('  no results declared');
  } else {
    lines.push(`  results ${a.results.resultsHash} declared ${a.results.at}; tx ${a.results.txId}`);
    const diffs = a.outcome.versusRegistration;
    lines.push(diffs.length === 0 ? '  reported endpoints match the pre-registered ones' : `  FLAGGED: ${diffs.length} difference(s) from the pre-registered endpoints:`);
    for (const d of diffs) lines.push(`    ${d.kind}: ${d.id}`);
    for (const am of a.outcome.amendments) lines.push(`  amendment v${am.version} changed endpoints (${am.reason}): ${am.differences.map((d) => `${d.kind} ${d.id}`).join(', ')}`);
  }
  lines.push('', `Refused attempts (${a.violations.length}):`);
  for (const v of a.violations) lines.push(`  FLAGGED: ${v.action} refused ${v.code} at height ${v.height} (${v.time}) signed by ${v.signer}; tx ${v.txId}`);
  lines.push('', `Transactions naming the trial: ${a.transactions.length}`);
  return lines.join('\n') + '\n';
}
