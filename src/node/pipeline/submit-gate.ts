// The submit edge (finding 5 of issue 9): what node.submit checks before it
// orders anything, against committed state, so that nothing an unknown party
// sends is stored forever. In order, for every envelope of a request:
//   1. the stateless checks (canonical form, txId, Ed25519 signature) on the
//      verify worker pool; BAD_SIGNATURE is refused here, not ordered;
//   2. the signer: an active registered key, or one of the two doors open to
//      an unregistered key: governance/genesis while the network has no
//      configuration, and identity/register-patient enrolling exactly its own
//      signing key (self-enrolment), which must also be for this network,
//      match the action's schema and be inside the time window; anything
//      else from an unknown key is UNKNOWN_SIGNER, from a revoked key
//      REVOKED_SIGNER;
//   3. quotas: a token bucket per registered signer (this node's own key is
//      exempt: it signs the access events of every read), and ONE bucket
//      shared by all self-enrolments, since an unregistered key costs nothing
//      to make. RATE_LIMITED (429) carries a Retry-After.
//   4. patients' and delegates' keys, and self-enrolments, are not
//      accountable parties (a key costs nothing to make and self-enrol): their
//      transactions are dry-run against committed state, in request order, and
//      anything that would not be OK is refused here with its result code, so
//      such a key can never store a failing transaction (and whatever text it
//      carries) on the ledger; only a resubmission of a committed transaction
//      (DUPLICATE_TX: a client retrying) is ordered as ever. They also get a
//      smaller quota.
// Any refusal refuses the whole request and orders nothing. What passes is
// ordered; an organisation's key (member, admin, node) whose transaction then
// fails a contract rule still lands in its block with its result code
// (ARCHITECTURE section 3): organisations are accountable for what they sign.
// The checks of step 1 are handed back so the pipeline does not verify the
// same bytes twice on this node.
import {
  DEFAULT_TIME_WINDOW_MS,
  KEYS_NAMESPACE,
  NETWORK_CONFIG_KEY,
  NETWORK_NAMESPACE,
  decodeCheckedEnvelope,
  type ContractRegistry,
  type KeyKind,
  type Envelope,
  type JsonValue,
  type OrderedCheck,
  type StateReader,
} from '../../ledger/index.js';
import {
  CareLedgerError,
  type ResultCode,
} from '../../errors/index.js';
import { GOVERNANCE_CONTRACT } from '../../contracts/governance/index.js';
import { IDENTITY_CONTRACT } from '../../contracts/identity/index.js';
import { TokenBuckets, type Quota } from './token-buckets.js';
import type { VerifyPool } from './verify-pool.js';

/** Submission quotas of a node. */
export interface SubmitLimits {
  /** Per registered signer; null: no quota. */
  perSigner: Quota | null;
  /**
   * Shared by every self-enrolment (identity/register-patient by an
   * unregistered key); null: no quota; { perSecond: 0, burst: 0 }: this node
   * accepts no self-enrolment (patients are registered by a custodian).
   */
  selfEnrolment: Quota | null;
  /** Per patient or delegate key (not an accountable organisation); null: no quota. */
  perPatientSigner: Quota | null;
}

/** 50 transactions a second per signer, bursts of 1000 (one full request); 30 self-enrolments a minute network-wide per node. */
export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = {
  perSigner: { perSecond: 50, burst: 1000 },
  selfEnrolment: { perSecond: 0.5, burst: 30 },
  perPatientSigner: { perSecond: 1, burst: 20 },
};

/**
 * Parses a quota flag: `<perSecond>/<burst>` (e.g. `50/1000`, `0.5/30`),
 * `unlimited` (null), or `closed` ({0, 0}; self-enrolment only).
 */
export function parseQuotaFlag(text: string, flag: string, allowClosed = false): Quota | null {
  if (text === 'unlimited') return null;
  if (text === 'closed' && allowClosed) return { perSecond: 0, burst: 0 };
  const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(text);
  const perSecond = Number(m?.[1]);
  const burst = Number(m?.[2]);
  if (!m || !Number.isFinite(perSecond) || !Number.isSafeInteger(burst) || perSecond <= 0 || burst < 1) {
    const also = allowClosed ? ', unlimited or closed' : ' or unlimited';
    throw new CareLedgerError('MALFORMED', `${flag} must be PER_SECOND/BURST (e.g. 50/1000)${also}, got '${text}'`, { field: flag });
  }
  return { perSecond, burst };
}

/** A refusal at the edge, naming the envelope of the request it is about. */
export class SubmitRefusal extends CareLedgerError {
  readonly index: number;
  /** For RATE_LIMITED: seconds until a retry can pass (HTTP Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ResultCode, message: string, index: number, field: string, retryAfterSeconds?: number) {
    super(code, message, { field });
    this.index = index;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface SubmitItem {
  txId: string;
  bytes: Uint8Array;
  /** The parsed envelope of exactly these bytes (parseEnvelope), when the caller has it. */
  envelope?: Envelope;
}

export interface SubmitGateOptions {
  networkId: string;
  /** This node's key: exempt from the per-signer quota. */
  nodeKeyId: string;
  registry: ContractRegistry;
  state: StateReader;
  pool: VerifyPool;
  limits?: Partial<SubmitLimits>;
  /** Monotonic milliseconds for the buckets (tests inject). */
  clock?: () => number;
  /** Wall clock for the self-enrolment time window (tests inject). */
  now?: () => number;
  /**
   * Executes the request's envelopes, in order, as a block on committed state
   * without committing anything; returns each one's result code. Required for
   * the dry run of step 4 (without it, such transactions are ordered as any).
   */
  dryRun?: (entries: ReadonlyArray<{ bytes: Uint8Array; check: OrderedCheck }>) => ResultCode[];
}

/** Key kinds that speak for an accountable organisation; others are dry-run at the edge. */
const ACCOUNTABLE: ReadonlySet<KeyKind> = new Set<KeyKind>(['org-admin', 'node', 'member']);

const UNREGISTERED = '\u0000unregistered';

function objectOf(value: JsonValue | undefined): { [k: string]: JsonValue } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

export class SubmitGate {
  private readonly perSigner: TokenBuckets | undefined;
  private readonly selfEnrolment: TokenBuckets | undefined;
  private readonly perPatientSigner: TokenBuckets | undefined;
  private readonly selfEnrolmentClosed: boolean;
  private readonly now: () => number;

  constructor(private readonly options: SubmitGateOptions) {
    const limits = { ...DEFAULT_SUBMIT_LIMITS, ...options.limits };
    this.perSigner = limits.perSigner ? new TokenBuckets(limits.perSigner, options.clock) : undefined;
    this.selfEnrolment = limits.selfEnrolment ? new TokenBuckets(limits.selfEnrolment, options.clock) : undefined;
    this.perPatientSigner = limits.perPatientSigner ? new TokenBuckets(limits.perPatientSigner, options.clock) : undefined;
    this.selfEnrolmentClosed = limits.selfEnrolment !== null && limits.selfEnrolment.burst === 0;
    this.now = options.now ?? Date.now;
  }

  /**
   * Admits a request or throws a SubmitRefusal (nothing is ordered then).
   * Returns each envelope's stateless check, in order.
   */
  async admit(items: readonly SubmitItem[]): Promise<OrderedCheck[]> {
    const checks = await this.options.pool.check(items.map((i) => i.bytes), { offload: true });
    const signers = new Map<string, number>();
    const patientSigners = new Map<string, number>();
    const dryRunOf: number[] = [];
    let unregistered = 0;
    checks.forEach((check, index) => {
      if (check.code !== 'OK') throw new SubmitRefusal(check.code, `envelope ${index}: ${check.code}`, index, check.code === 'BAD_SIGNATURE' ? 'sig' : '');
      const item = items[index]!;
      const envelope = item.envelope ?? decodeCheckedEnvelope(item.bytes);
      const door = this.signerDoor(envelope, index);
      const { signer } = envelope.tx;
      if (door === 'registered' && signer !== this.options.nodeKeyId) signers.set(signer, (signers.get(signer) ?? 0) + 1);
      if (door === 'patient') {
        patientSigners.set(signer, (patientSigners.get(signer) ?? 0) + 1);
        dryRunOf.push(index);
      }
      if (door === 'self-enrolment') {
        unregistered++;
        dryRunOf.push(index);
      }
    });
    this.dryRunOrRefuse(items, checks, dryRunOf);
    const enrolments = new Map(unregistered > 0 ? [[UNREGISTERED, unregistered]] : []);
    this.takeOrRefuse(this.selfEnrolment, enrolments, 'self-enrolments at this node');
    try {
      this.takeOrRefuse(this.perPatientSigner, patientSigners, 'transactions by this patient key');
    } catch (e) {
      this.selfEnrolment?.refund(enrolments);
      throw e;
    }
    try {
      this.takeOrRefuse(this.perSigner, signers, 'transactions by this signer');
    } catch (e) {
      this.selfEnrolment?.refund(enrolments);
      this.perPatientSigner?.refund(patientSigners);
      throw e;
    }
    return checks;
  }

  /** Step 4: the first dry-run envelope whose result would not be OK refuses the request with that code. */
  private dryRunOrRefuse(items: readonly SubmitItem[], checks: readonly OrderedCheck[], indexes: readonly number[]): void {
    if (indexes.length === 0 || !this.options.dryRun) return;
    const codes = this.options.dryRun(items.map((item, i) => ({ bytes: item.bytes, check: checks[i]! })));
    for (const index of indexes) {
      const code = codes[index];
      // DUPLICATE_TX is a resubmission of what is already on the ledger (a client retrying after a crash or a
      // timeout): it is ordered and answered as ever, adding one envelope per retry within the signer's quota.
      if (code !== undefined && code !== 'OK' && code !== 'DUPLICATE_TX') {
        throw new SubmitRefusal(code, `envelope ${index}: ${code} (a patient's or delegate's transaction is checked before it is ordered)`, index, 'tx');
      }
    }
  }

  private takeOrRefuse(buckets: TokenBuckets | undefined, demands: Map<string, number>, what: string): void {
    if (!buckets || demands.size === 0) return;
    const short = buckets.take(demands);
    if (!short) return;
    const seconds = Number.isFinite(short.retryAfterMs) ? Math.max(1, Math.ceil(short.retryAfterMs / 1000)) : undefined;
    const message = seconds === undefined ? `too many ${what}: the request exceeds what the quota ever allows` : `too many ${what}: retry in ${seconds} s`;
    throw new SubmitRefusal('RATE_LIMITED', message, -1, 'tx.signer', seconds ?? 3600);
  }

  /** Which door the signer comes through, or a refusal. */
  private signerDoor(envelope: Envelope, index: number): 'registered' | 'patient' | 'genesis' | 'self-enrolment' {
    const { tx } = envelope;
    const state = this.options.state;
    const key = objectOf(state.get(KEYS_NAMESPACE, tx.signer));
    const refuse = (code: ResultCode, message: string, field = 'tx.signer') => new SubmitRefusal(code, `envelope ${index}: ${message}`, index, field);
    if (key) {
      if (key['status'] !== 'active') throw refuse('REVOKED_SIGNER', 'signer key is revoked');
      return ACCOUNTABLE.has(key['kind'] as KeyKind) ? 'registered' : 'patient';
    }
    const config = objectOf(state.get(NETWORK_NAMESPACE, NETWORK_CONFIG_KEY));
    if (tx.contract === GOVERNANCE_CONTRACT && tx.action === 'genesis' && config === undefined) return 'genesis';
    const selfEnrols = tx.contract === IDENTITY_CONTRACT && tx.action === 'register-patient';
    const keys = (tx.args as { keys?: unknown }).keys;
    if (!selfEnrols || !Array.isArray(keys) || keys.length !== 1 || keys[0] !== tx.signer) {
      throw refuse('UNKNOWN_SIGNER', 'signer key is not registered');
    }
    // Self-enrolment: everything the executor would refuse regardless of state is refused here.
    if (tx.network !== this.options.networkId) throw refuse('WRONG_NETWORK', 'transaction is for another network', 'tx.network');
    const action = this.options.registry.get(IDENTITY_CONTRACT)?.actions['register-patient'];
    if (!action?.args.safeParse(tx.args).success) throw refuse('INVALID_ARGS', 'arguments do not match the action schema', 'tx.args');
    const window = typeof config?.['timeWindowMs'] === 'number' && config['timeWindowMs'] > 0 ? config['timeWindowMs'] : DEFAULT_TIME_WINDOW_MS;
    if (Math.abs(Date.parse(tx.time) - this.now()) > window) throw refuse('STALE_TIME', 'transaction time outside the accepted window', 'tx.time');
    if (this.selfEnrolmentClosed) throw refuse('FORBIDDEN', 'this node does not accept self-enrolment');
    return 'self-enrolment';
  }
}
