// SecureFhirRepository: the FhirRepository behind the FHIR router. FHIR
// resources live encrypted in the vault, every write is anchored on the
// ledger (records.anchor, committed before the answer), every read is checked
// against consent and recorded in the custodian's access log, whose chain
// heads are anchored on the ledger (access.anchor, via the audit outbox;
// docs/privacy.md), and erasure crypto-shreds the patient's data. See docs/records.md.
import type Database from 'better-sqlite3';
import { DecisionMemo, type ConsentBook } from '../../contracts/consent/index.js';
import { erasedAt, patientStatus, PSEUDONYM_PATTERN } from '../../contracts/identity/index.js';
import { parseEnvelope, type LedgerPort } from '../../ledger/index.js';
import { CareLedgerError, type ResultCode } from '../../errors/index.js';
import type { Kek, Vault } from '../../vault/index.js';
import type {
  EverythingOptions,
  FhirRepository,
  FhirResource,
  HistoryEntry,
  PatientRegistration,
  RequestContext,
  SearchQuery,
  SearchResult,
  WriteOp,
  WriteResult,
} from '../types.js';
import { IndexKeys } from './index-keys.js';
import { AccessLogStore } from './access-log.js';
import { AuditOutbox, type AccessEvent, type OutboxOptions } from './outbox.js';
import { decryptResource, historyOf, readResource } from './reads.js';
import type { VersionRow } from './schema.js';
import { everythingOf, searchResources } from './search.js';
import { Tables, type Deps } from './tables.js';
import { writeGate, type WriteGate } from './write-policy.js';
import { registerPatients, registrarGate } from './registration.js';
import { commitWrites, finalize, retract, stageWrite, writeEvents, type Staged, type WriteRequest } from './writes.js';

export interface SecureRepositoryOptions {
  /** The database the vault uses; the repository's fhir_ tables go beside the vault's. */
  db: Database.Database;
  vault: Vault;
  /** The vault's key-encryption key: wraps the blind-index key. */
  kek: Kek;
  ledger: LedgerPort;
  /** Opens the sealed consents of this custodian's patients (the node's HPKE key); decisions see grants only through it. */
  consents: ConsentBook;
  audit?: OutboxOptions;
}

export interface ErasureReport {
  /** Vault record versions shredded. */
  records: number;
  /** Logical resources removed from the repository's tables. */
  resources: number;
}

export class SecureFhirRepository implements FhirRepository {
  readonly #deps: Deps;
  /** The custodian's opened view of its patients' consents. */
  readonly consents: ConsentBook;

  constructor(options: SecureRepositoryOptions) {
    this.consents = options.consents;
    const tables = new Tables(options.db);
    this.#deps = {
      db: options.db,
      vault: options.vault,
      keys: IndexKeys.load(options.db, options.kek),
      tables,
      port: options.ledger,
      outbox: new AuditOutbox(options.db, options.ledger, AccessLogStore.open(options.db, options.kek, options.ledger.orgId), options.audit),
      consent: new DecisionMemo(options.consents),
    };
  }

  /** Constructs and reconciles: pending anchors, erasures the vault has not caught up with, queued access events. */
  static async open(options: SecureRepositoryOptions): Promise<SecureFhirRepository> {
    const repo = new SecureFhirRepository(options);
    await repo.reconcilePending();
    await repo.reconcileErasures();
    repo.accessLog.purgeExpired(options.ledger.now());
    await repo.flush();
    return repo;
  }

  async create(ctx: RequestContext, resource: FhirResource): Promise<FhirResource> {
    const [staged] = await this.#write(ctx, [{ kind: 'create', resource }]);
    return (staged as Staged).resource as FhirResource;
  }

  async update(ctx: RequestContext, resource: FhirResource, ifMatch?: string): Promise<{ resource: FhirResource; created: boolean }> {
    const [staged] = await this.#write(ctx, [{ kind: 'update', resource, ifMatch }]);
    const s = staged as Staged;
    return { resource: s.resource as FhirResource, created: s.version === 1 };
  }

  async delete(ctx: RequestContext, resourceType: string, id: string): Promise<void> {
    await this.#write(ctx, [{ kind: 'delete', resourceType, id }]);
  }

  async transaction(ctx: RequestContext, ops: WriteOp[], registrations: readonly PatientRegistration[] = []): Promise<WriteResult[]> {
    const requests: WriteRequest[] = ops.map((op) =>
      op.op === 'create'
        ? { kind: 'create', resource: op.resource }
        : op.op === 'update'
          ? { kind: 'update', resource: op.resource, ifMatch: op.ifMatch }
          : { kind: 'delete', resourceType: op.resourceType, id: op.id },
    );
    const registrar = (gate: WriteGate): WriteGate => registrarGate(this.#deps, registrations, gate);
    await registerPatients(ctx, this.#deps, registrations);
    const staged = await this.#write(ctx, requests, registrar);
    return staged.map((s, i): WriteResult => {
      if (s.op === 'delete') return { status: 204 };
      const status = ops[i]?.op === 'create' || s.version === 1 ? 201 : 200;
      return { resource: s.resource as FhirResource, status, versionId: String(s.version) };
    });
  }

  async #write(ctx: RequestContext, requests: WriteRequest[], wrap: (gate: WriteGate) => WriteGate = (g) => g): Promise<Staged[]> {
    if (requests.length === 0) return [];
    const gate = wrap(writeGate(ctx, this.#deps.port, this.#deps.consent));
    const staged = requests.map((r) => stageWrite(ctx, this.#deps, r, gate));
    await commitWrites(this.#deps, staged);
    this.#deps.outbox.enqueue(writeEvents(ctx, this.#deps, staged));
    return staged;
  }

  async read(ctx: RequestContext, resourceType: string, id: string): Promise<FhirResource> {
    return readResource(ctx, this.#deps, resourceType, id);
  }

  async vread(ctx: RequestContext, resourceType: string, id: string, versionId: string): Promise<FhirResource> {
    return readResource(ctx, this.#deps, resourceType, id, versionId);
  }

  async history(ctx: RequestContext, resourceType: string, id: string): Promise<HistoryEntry[]> {
    return historyOf(ctx, this.#deps, resourceType, id);
  }

  async search(ctx: RequestContext, query: SearchQuery): Promise<SearchResult> {
    return searchResources(ctx, this.#deps, query);
  }

  async everything(ctx: RequestContext, patientId: string, options: EverythingOptions): Promise<SearchResult> {
    return everythingOf(ctx, this.#deps, patientId, options);
  }

  /**
   * Shreds a patient after its identity/erase-patient transaction committed:
   * queued access events go to the ledger first, then the vault's keys and
   * ciphertexts and this repository's rows for the patient are deleted.
   * CONFLICT if the ledger does not show the patient erased.
   */
  async erasePatient(pseudonym: string): Promise<ErasureReport> {
    if (!PSEUDONYM_PATTERN.test(pseudonym)) throw new CareLedgerError('MALFORMED', 'not a pseudonym', { field: 'pseudonym' });
    if (patientStatus(this.#deps.port.state, pseudonym) !== 'erased') {
      throw new CareLedgerError('CONFLICT', 'the patient is not erased on the ledger (identity/erase-patient first)', { field: 'pseudonym' });
    }
    await this.reconcilePending();
    await this.flush();
    const vault = this.#deps.vault.erasePatient(pseudonym);
    // The access log is kept (the accounting of disclosures is a legal duty, GDPR 17(3)(b)) until its retention ends.
    this.#deps.outbox.log.markErased(pseudonym, erasedAt(this.#deps.port.state, pseudonym) ?? this.#deps.port.now());
    this.#deps.keys.forgetRecords(new Set(this.#deps.tables.byOwner(pseudonym).map((r) => r.record_id)));
    const resources = this.#deps.tables.eraseOwner(pseudonym);
    this.#deps.db.pragma('wal_checkpoint(TRUNCATE)');
    return { records: vault.records, resources };
  }

  /** Shreds every patient the ledger shows erased whose data is still here (run at start). */
  async reconcileErasures(): Promise<string[]> {
    const done: string[] = [];
    for (const owner of this.#deps.tables.patientOwners()) {
      if (patientStatus(this.#deps.port.state, owner) !== 'erased') continue;
      await this.erasePatient(owner);
      done.push(owner);
    }
    return done;
  }

  /**
   * Settles writes a crash or an unconfirmed anchor left pending: committed
   * OK -> finalised from the vault; refused -> retracted; unknown -> the same
   * signed envelope is resubmitted (the ledger's txId makes it idempotent).
   */
  async reconcilePending(): Promise<void> {
    const deps = this.#deps;
    const local = deps.tables.localPending();
    if (local.length > 0) finalize(deps, local.map((v) => this.#finalizable(v)));
    for (const { txId, envelope } of deps.tables.pendingAnchors()) {
      let code: ResultCode | undefined = deps.port.tx(txId)?.code;
      if (code === undefined) {
        try {
          code = (await deps.port.submit([parseEnvelope(JSON.parse(envelope))]))[0]?.code ?? 'UNAVAILABLE';
        } catch {
          code = 'UNAVAILABLE';
        }
      }
      if (code === 'OK') finalize(deps, deps.tables.versionsOfTx(txId).filter((v) => v.status === 'pending').map((v) => this.#finalizable(v)));
      else if (code !== 'TIMEOUT' && code !== 'UNAVAILABLE') retract(deps, txId);
    }
  }

  #finalizable(v: VersionRow) {
    const resource = v.op === 'delete' ? undefined : decryptResource(this.#deps, v.record_id, v.version);
    return { recordId: v.record_id, version: v.version, op: v.op, lastUpdated: v.last_updated, resource, txId: v.anchor_tx };
  }

  /** Sends every queued access event to the ledger (tests and shutdown call it). */
  async flush(): Promise<void> {
    await this.#deps.outbox.flush();
  }

  /** The custodian's access log (disclosures, the break-glass queue). */
  get accessLog(): AccessLogStore {
    return this.#deps.outbox.log;
  }

  /** Records access events (an exchange's disclosure) and anchors them before resolving with the anchor's height. */
  recordAccessNow(events: readonly AccessEvent[]): Promise<number> {
    return this.#deps.outbox.recordNow(events);
  }

  /** Number of access events not yet anchored on the ledger. */
  pendingAccessEvents(): number {
    return this.#deps.outbox.pending();
  }

  /** Stops the flusher after a last flush. The database stays open (the caller owns it). */
  async close(): Promise<void> {
    await this.#deps.outbox.close();
  }
}
