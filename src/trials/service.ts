// The trials service of one site's node, HTTP-free: it turns use cases into
// trials transactions signed by the node (participants, enrolment, capture,
// withdrawal recorded by the site, participant-signed statements), keeps CRF
// data in the vault (the ledger gets commitments only), exports datasets and
// verifies them against the anchors, and exports the audit trail. It reaches
// the ledger through the one port (a Pick of LedgerPort), never the store.
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { parseEnvelope, signTx, type LedgerPort, type SubmitResult } from '../ledger/index.js';
import { COMMITMENT_SALT_BYTES, commitmentOf, fromVault, type Vault } from './vault-port.js';
import {
  TRIALS_CONTRACT,
  consentStatement,
  consentsOf,
  crfAnchorsOf,
  getCrfHead,
  getCrfVersion,
  getParticipant,
  getTrial,
  latestCrfAnchors,
  outcomeReport,
  participantsOf,
  registrationOf,
  verifyStatement,
  withdrawalStatement,
  type ChangeReason,
  type ConsentKey,
  type OutcomeReport,
  type ParticipantAttestation,
  type ParticipantRecord,
  type TrialRecord,
} from '../contracts/trials/index.js';
import { requireOwnParticipant, requireSiteInvestigator, mayAudit, type TrialsActor } from './access.js';
import { auditTrailOf, type AuditTrail } from './audit.js';
import { CRF_RESOURCE_TYPE, crfPlaintext, crfRecordId, parseCrfPlaintext, type CrfEntry, type CrfValues } from './crf.js';
import { DATASET_FORMAT, verifyDatasetRows, type Dataset, type DatasetRow, type DatasetVerdict } from './dataset.js';
import { trialTransactions, violationAttempts, type TrialTx } from './ledger-log.js';
import { trialPseudonym } from './pseudonym.js';
import { researchStudyOf, researchSubjectOf, trialConsentOf } from './fhir.js';
import type { FhirResource } from '../fhir/types.js';
import { loadSiteSecret } from './site-secret.js';

export type TrialsLedger = Pick<LedgerPort, 'networkId' | 'orgId' | 'nodeKey' | 'state' | 'scan' | 'now' | 'submit' | 'head' | 'blockTxs'>;

export interface TrialsServiceDeps {
  ledger: TrialsLedger;
  vault: Vault;
}

export interface CaptureInput {
  trialId: string;
  participant: string;
  visit: string;
  form: string;
  values: CrfValues;
  reason: ChangeReason;
  note?: string | undefined;
}

export interface Committed {
  txId: string;
  height: number;
}

export class TrialsService {
  readonly #ledger: TrialsLedger;
  readonly #vault: Vault;
  #secret: Uint8Array | undefined;

  constructor(deps: TrialsServiceDeps) {
    this.#ledger = deps.ledger;
    this.#vault = deps.vault;
  }

  /** The trial, NOT_FOUND if unknown (registrations are public: no oracle to hide). */
  trial(trialId: string): TrialRecord {
    const trial = getTrial(this.#ledger.state, trialId);
    if (trial === undefined) throw new CareLedgerError('NOT_FOUND', 'no such trial');
    return trial;
  }

  /** The participant's pseudonym in a trial at this site (HMAC under the site secret kept in the vault). */
  pseudonymOf(trialId: string, patient: string): string {
    this.#secret ??= loadSiteSecret(this.#vault);
    return trialPseudonym(this.#secret, trialId, patient);
  }

  /** Adds a patient to a trial under its per-trial pseudonym, with the trial-only consent keys it holds. */
  async addParticipant(actor: TrialsActor, trialId: string, patient: string, consentKeys: ConsentKey[]): Promise<Committed & { participant: string }> {
    requireSiteInvestigator(this.#ledger.state, actor, this.trial(trialId), this.#ledger.orgId);
    const participant = this.pseudonymOf(trialId, patient);
    const done = await this.#submit('add-participant', { trialId, participant, consentKeys });
    return { ...done, participant };
  }

  /** Enrols a participant of this site (refused with RULE_VIOLATION before consent to the required version). */
  async enrol(actor: TrialsActor, trialId: string, participant: string): Promise<Committed> {
    this.#own(actor, trialId, participant);
    return this.#submit('enrol', { trialId, participant });
  }

  /** Records a withdrawal the participant told the site of. */
  async withdrawForParticipant(actor: TrialsActor, trialId: string, participant: string): Promise<Committed> {
    this.#own(actor, trialId, participant);
    return this.#submit('withdraw', { trialId, participant });
  }

  /**
   * Carries a participant's signed consent (version given) or withdrawal
   * (version undefined). Checked against committed state first, so a bad
   * statement from an unauthenticated caller never costs a transaction:
   * UNAUTHORIZED alike for an unknown participant or a bad signature.
   */
  async carryStatement(trialId: string, participant: string, attestation: ParticipantAttestation, version?: number): Promise<Committed> {
    const record = getParticipant(this.#ledger.state, trialId, participant);
    const statement =
      version === undefined
        ? withdrawalStatement(this.#ledger.networkId, trialId, participant)
        : consentStatement(this.#ledger.networkId, trialId, participant, version);
    const known = record !== undefined && record.site === this.#ledger.orgId && record.consentKeys.some((k) => k.keyId === attestation.keyId);
    if (!known || !verifyStatement(statement, attestation)) {
      throw new CareLedgerError('UNAUTHORIZED', "not a valid signature by one of this site's participant's consent keys");
    }
    return version === undefined
      ? this.#submit('withdraw', { trialId, participant, attestation })
      : this.#submit('consent', { trialId, participant, version, attestation });
  }

  /**
   * Captures one version of a visit's form: anchors its commitment (the
   * ledger enforces consent, withdrawal and lock, and keeps a refused
   * attempt as evidence), then seals the entry in the vault with the same salt.
   */
  async capture(actor: TrialsActor, input: CaptureInput): Promise<Committed & { version: number; commitment: string }> {
    const { trialId, participant, visit, form } = input;
    const author = requireSiteInvestigator(this.#ledger.state, actor, this.trial(trialId), this.#ledger.orgId);
    this.#own(actor, trialId, participant);
    const version = (getCrfHead(this.#ledger.state, trialId, participant, visit, form)?.latest ?? 0) + 1;
    const entry: CrfEntry = { trialId, participant, visit, form, version, values: input.values, reason: input.reason, ...(input.note === undefined ? {} : { note: input.note }) };
    const plaintext = crfPlaintext(entry);
    const salt = new Uint8Array(randomBytes(COMMITMENT_SALT_BYTES));
    const commitment = commitmentOf(salt, plaintext);
    const done = await this.#submit('anchor-crf', { trialId, participant, visit, form, version, commitment, reason: input.reason, author: author.memberId });
    // After commit: a crash here leaves an anchor without data, which verify-dataset reports as missing.
    this.#vault.put({ pseudonym: participant, resourceType: CRF_RESOURCE_TYPE, recordId: crfRecordId(trialId, participant, visit, form), version, plaintext, salt });
    return { ...done, version, commitment };
  }

  /** One version (latest by default) of a form of this site's participant, checked against its anchor. */
  entry(actor: TrialsActor, trialId: string, participant: string, visit: string, form: string, version?: number): CrfEntry & { commitment: string } {
    this.#own(actor, trialId, participant);
    const v = version ?? getCrfHead(this.#ledger.state, trialId, participant, visit, form)?.latest;
    const anchor = v === undefined ? undefined : getCrfVersion(this.#ledger.state, trialId, participant, visit, form, v);
    if (v === undefined || anchor === undefined) throw new CareLedgerError('NOT_FOUND', 'no such entry');
    const stored = this.#vault.get(crfRecordId(trialId, participant, visit, form), v);
    const entry = parseCrfPlaintext(stored.plaintext);
    if (entry === undefined || stored.commitment !== anchor.commitment) {
      throw new CareLedgerError('INTERNAL', 'stored entry does not match its anchor');
    }
    return { ...entry, commitment: anchor.commitment };
  }

  /** This site's participants of a trial (pseudonyms and status only). */
  participants(actor: TrialsActor, trialId: string): ParticipantRecord[] {
    requireSiteInvestigator(this.#ledger.state, actor, this.trial(trialId), this.#ledger.orgId);
    return participantsOf(this.#ledger.scan, trialId, this.#ledger.orgId);
  }

  /** The latest version of every form of this site's participants, with salts: a dataset file. */
  exportDataset(actor: TrialsActor, trialId: string): Dataset {
    requireSiteInvestigator(this.#ledger.state, actor, this.trial(trialId), this.#ledger.orgId);
    const height = this.#ledger.head().height;
    const rows: DatasetRow[] = [];
    for (const p of participantsOf(this.#ledger.scan, trialId, this.#ledger.orgId)) {
      for (const a of latestCrfAnchors(this.#ledger.scan, trialId, p.participant)) {
        const stored = fromVault(this.#vault, crfRecordId(trialId, a.participant, a.visit, a.form), a.version);
        const entry = stored === undefined ? undefined : parseCrfPlaintext(stored.plaintext);
        if (stored === undefined || entry === undefined) continue; // reported as missing by verification
        rows.push({
          participant: a.participant,
          visit: a.visit,
          form: a.form,
          version: a.version,
          values: entry.values,
          reason: entry.reason,
          ...(entry.note === undefined ? {} : { note: entry.note }),
          salt: toBase64Url(stored.salt),
        });
      }
    }
    return { format: DATASET_FORMAT, trialId, site: this.#ledger.orgId, exportedAt: this.#ledger.now(), height, rows };
  }

  /**
   * Verifies a dataset file against the ledger's anchors, for the forms of
   * the dataset's site's participants (every site's for a pooled dataset).
   * Needs only registration-level access: the verdict names rows, not data.
   */
  verifyDataset(actor: TrialsActor, dataset: Dataset): DatasetVerdict {
    const trial = this.trial(dataset.trialId);
    if (!mayAudit(this.#ledger.state, actor, trial)) throw new CareLedgerError('FORBIDDEN', 'not a party to this trial');
    return verifyDatasetRows(dataset, this.anchorsInScope(dataset.trialId, dataset.site));
  }

  /** Every anchored CRF version of a site's participants (all sites when `site` is undefined). */
  anchorsInScope(trialId: string, site: string | undefined) {
    if (site === undefined) return crfAnchorsOf(this.#ledger.scan, trialId);
    return participantsOf(this.#ledger.scan, trialId, site).flatMap((p) => crfAnchorsOf(this.#ledger.scan, trialId, p.participant));
  }

  /** The audit trail export (sponsor, site investigators, auditors). */
  auditTrail(actor: TrialsActor, trialId: string): AuditTrail {
    const trial = this.trial(trialId);
    if (!mayAudit(this.#ledger.state, actor, trial)) throw new CareLedgerError('FORBIDDEN', 'not a party to this trial');
    return auditTrailOf(this.#ledger, trial);
  }

  /** The results report: outcome switching against the registration and every refused attempt. */
  resultsReport(actor: TrialsActor, trialId: string): { outcome: OutcomeReport | null; violations: TrialTx[] } {
    const trial = this.trial(trialId);
    if (!mayAudit(this.#ledger.state, actor, trial)) throw new CareLedgerError('FORBIDDEN', 'not a party to this trial');
    return {
      outcome: outcomeReport(this.#ledger.state, this.#ledger.scan, trialId) ?? null,
      violations: violationAttempts(trialTransactions(this.#ledger, trialId)),
    };
  }

  /** The trial as a FHIR R4 ResearchStudy at its current protocol version (registrations are public). */
  researchStudy(trialId: string): FhirResource {
    const registration = registrationOf(this.#ledger.state, this.#ledger.scan, trialId);
    if (registration === undefined) throw new CareLedgerError('NOT_FOUND', 'no such trial');
    const protocol = registration.protocol.find((p) => p.version === registration.trial.version);
    if (protocol === undefined) throw new CareLedgerError('INTERNAL', 'the current protocol version is missing');
    return researchStudyOf(registration, protocol);
  }

  /** A participant of this site as ResearchSubject and its consents as FHIR Consents (a collection Bundle). */
  participantBundle(actor: TrialsActor, trialId: string, participant: string): FhirResource {
    const record = this.#own(actor, trialId, participant);
    const consents = consentsOf(this.#ledger.scan, trialId, participant);
    const resources = [researchSubjectOf(record, consents), ...consents.map((c) => trialConsentOf(record, c))];
    return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
  }

  #own(actor: TrialsActor, trialId: string, participant: string): ParticipantRecord {
    const trial = this.trial(trialId);
    return requireOwnParticipant(this.#ledger.state, actor, trial, getParticipant(this.#ledger.state, trialId, participant), this.#ledger.orgId);
  }

  /** Signs a trials action with the node key and waits for its commit; a refusal throws with its result code. */
  async #submit(action: string, args: Record<string, unknown>): Promise<Committed> {
    const envelope = parseEnvelope(signTx({ network: this.#ledger.networkId, contract: TRIALS_CONTRACT, action, args, time: this.#ledger.now() }, this.#ledger.nodeKey));
    const [result]: SubmitResult[] = await this.#ledger.submit([envelope]);
    if (result === undefined) throw new CareLedgerError('UNAVAILABLE', 'no result for the submitted transaction');
    if (result.code !== 'OK') throw new CareLedgerError(result.code, `trials ${action} refused with ${result.code} (transaction ${result.txId}, height ${result.height})`);
    return { txId: result.txId, height: result.height };
  }
}
