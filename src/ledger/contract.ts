// The contract interface: how built-in contracts plug into the executor.
// A contract is a set of actions; each action has a zod schema for its args,
// an authorisation rule and a pure apply. Contracts read and write state only
// through ExecContext, never import each other, and never touch clocks,
// randomness or I/O, so every node reaches the same state.
import type { z } from 'zod';
import type { ResultCode } from '../errors/index.js';

/** A JSON value as stored in state. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Freezes a parsed JSON value in place, recursively. State values handed to
 * contracts and readers are frozen everywhere (node, cache, verifier), so a
 * contract that tried to modify one fails the same way on every node.
 */
export function deepFreeze<T extends JsonValue>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Read-only view of committed state plus this block's earlier writes (values are frozen). */
export interface StateReader {
  get(namespace: string, key: string): JsonValue | undefined;
  /**
   * Optional: a counter that grows whenever committed state in `namespace`
   * changes, so off-ledger readers can memoise what they derive from state
   * (consent selections). Readers that cannot tell leave it out, and then
   * nothing is memoised.
   */
  stamp?(namespace: string): number;
}

/** One entry of a prefix scan: the full key and its (frozen) value. */
export interface StateEntry {
  readonly key: string;
  readonly value: JsonValue;
}

/** State access for one transaction; writes are discarded if the action fails. */
export interface StateAccess extends StateReader {
  put(namespace: string, key: string, value: JsonValue): void;
  delete(namespace: string, key: string): void;
  /**
   * Entries whose key starts with `prefix`, in key order (UTF-16 code units,
   * as SQLite's BINARY collation orders the ASCII keys contracts use), after
   * `afterKey` if given, at most `limit`: committed state with this block's
   * and this transaction's writes applied. An index that grows with the data
   * is keyed entries under a prefix read with this, never one value that is
   * rewritten whole (docs/state-layout.md).
   */
  scan(namespace: string, prefix: string, limit: number, afterKey?: string): StateEntry[];
}

/** Kinds of keys known to the ledger (ARCHITECTURE section 5, identity). */
export type KeyKind = 'org-admin' | 'node' | 'member' | 'patient' | 'delegate';

/**
 * The ledger's key registry: namespace KEYS_NAMESPACE, key = key id. Written
 * by the governance and identity contracts; read by the executor to decide
 * UNKNOWN_SIGNER / REVOKED_SIGNER before any contract runs.
 */
export interface KeyRecord {
  [field: string]: JsonValue;
  kind: KeyKind;
  /** Organisation id for org-admin, node and member keys; null for patients and delegates. */
  org: string | null;
  /** Member id, patient pseudonym or delegate id the key belongs to. */
  owner: string;
  /** Roles of a member key (identity contract's role catalogue); empty otherwise. */
  roles: string[];
  status: 'active' | 'revoked';
  /** Height at which the key was registered. */
  since: number;
}

export const KEYS_NAMESPACE = 'keys';

/** An event emitted by an action, delivered with the committed block (SSE). */
export interface LedgerEvent {
  contract: string;
  type: string;
  data: { [key: string]: JsonValue };
}

export interface ExecContext {
  readonly network: string;
  readonly txId: string;
  readonly height: number;
  readonly index: number;
  /** Block time (RFC 3339 millis): the only clock a contract may use. */
  readonly blockTime: string;
  /** The transaction's own time as signed. */
  readonly txTime: string;
  readonly signer: string;
  /** The signer's registry entry, undefined if the action accepts unregistered signers. */
  readonly signerKey: KeyRecord | undefined;
  readonly state: StateAccess;
  emit(type: string, data: { [key: string]: JsonValue }): void;
}

/** Outcome of authorize/apply: undefined is success. */
export type Refusal = { code: ResultCode; detail?: string };

/**
 * What `authorize` established (the patient record, the member, the grant it
 * checked), handed to `apply` so apply never looks it up again.
 */
export interface Allowed<F> {
  readonly allowed: F;
}

/** authorize's success carrying its findings for apply. */
export function allow<F>(facts: F): Allowed<F> {
  return { allowed: facts };
}

/** authorize's answer: a refusal, findings for apply, or undefined (allowed, nothing to hand on). */
export type Authorization<F> = Refusal | Allowed<F> | undefined;

export function isRefusal(value: Refusal | Allowed<unknown> | undefined): value is Refusal {
  return value !== undefined && 'code' in value;
}

export interface ActionDef<A, F = undefined> {
  readonly args: z.ZodType<A>;
  /** 'registered' (default): signer must be an active key in the registry. */
  readonly signer?: 'registered' | 'any';
  authorize(ctx: ExecContext, args: A): Authorization<F>;
  /** `facts` is what authorize returned with `allow(...)` (undefined if it returned undefined). */
  apply(ctx: ExecContext, args: A, facts: F): Refusal | undefined;
}

export interface Contract {
  readonly name: string;
  readonly version: number;
  // Actions are heterogeneous in their args type; each validates its own.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly actions: Readonly<Record<string, ActionDef<any, any>>>;
}

/** Defines an action with its args type inferred from the schema. */
export function defineAction<S extends z.ZodType, F = undefined>(def: {
  args: S;
  signer?: 'registered' | 'any';
  authorize: (ctx: ExecContext, args: z.infer<S>) => Authorization<F>;
  apply: (ctx: ExecContext, args: z.infer<S>, facts: F) => Refusal | undefined;
}): ActionDef<z.infer<S>, F> {
  return def as ActionDef<z.infer<S>, F>;
}

export function refuse(code: ResultCode, detail?: string): Refusal {
  return detail === undefined ? { code } : { code, detail };
}

export class ContractRegistry {
  private readonly contracts = new Map<string, Contract>();

  constructor(contracts: readonly Contract[] = []) {
    for (const c of contracts) this.register(c);
  }

  register(contract: Contract): void {
    if (this.contracts.has(contract.name)) throw new Error(`contract ${contract.name} registered twice`);
    this.contracts.set(contract.name, contract);
  }

  get(name: string): Contract | undefined {
    return this.contracts.get(name);
  }

  names(): string[] {
    return [...this.contracts.keys()].sort();
  }
}
