// SMART on FHIR scopes (HL7 smart-app-launch v2, "Scopes for requesting FHIR
// resources"): parse, format, intersect and check. v2 syntax
// `(patient|user|system)/(Type|*).[c][r][u][d][s]` with the letters in that
// order; v1 `.read` (= rs), `.write` (= cud) and `.*` (= cruds) are accepted
// on input and always formatted back as v2. Query-qualified scopes
// (`?category=...`) and non-resource scopes (openid, launch) are refused.
// The one scope check of the services and doors: scopeAllows, requireScope
// and readableResourceTypes.
import { CareLedgerError } from '../errors/index.js';
import type { SmartScope } from '../fhir/types.js';

export type ScopeContext = SmartScope['context'];
export type ScopePermission = keyof SmartScope['permissions'];

/** The permission letters in the order SMART v2 requires. */
export const SCOPE_PERMISSIONS: readonly ScopePermission[] = ['c', 'r', 'u', 'd', 's'];

const SCOPE_PATTERN = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{0,63})\.(read|write|\*|c?r?u?d?s?)$/;
/** At most this many scopes in one request: a bound on work done for hostile input. */
export const MAX_SCOPES = 64;

const V1: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

/** Parses one scope; throws RangeError when malformed. */
export function parseScope(text: string): SmartScope {
  const m = SCOPE_PATTERN.exec(text);
  const letters = m?.[3] === undefined ? '' : (V1[m[3]] ?? m[3]);
  if (!m || letters === '') throw new RangeError(`malformed scope: ${JSON.stringify(text.slice(0, 80))}`);
  return {
    context: m[1] as ScopeContext,
    resourceType: m[2] as string,
    permissions: {
      c: letters.includes('c'),
      r: letters.includes('r'),
      u: letters.includes('u'),
      d: letters.includes('d'),
      s: letters.includes('s'),
    },
  };
}

/** Parses a space-separated scope string (RFC 6749 section 3.3); throws RangeError on any malformed scope. */
export function parseScopes(text: string): SmartScope[] {
  const parts = text.split(' ').filter((s) => s !== '');
  if (parts.length > MAX_SCOPES) throw new RangeError(`more than ${MAX_SCOPES} scopes`);
  return parts.map(parseScope);
}

function letters(scope: SmartScope): string {
  return SCOPE_PERMISSIONS.filter((p) => scope.permissions[p]).join('');
}

/** Formats a scope in v2 syntax; throws RangeError for a scope without permissions. */
export function formatScope(scope: SmartScope): string {
  const perms = letters(scope);
  if (perms === '') throw new RangeError('a scope needs at least one permission');
  return `${scope.context}/${scope.resourceType}.${perms}`;
}

/** Formats scopes as one space-separated string (v2 syntax). */
export function formatScopes(scopes: readonly SmartScope[]): string {
  return scopes.map(formatScope).join(' ');
}

/**
 * Does any scope grant `permission` on `resourceType` (in `context`, when
 * given)? A '*' scope covers every type; a request for '*' itself is only
 * covered by a '*' scope.
 */
export function scopeAllows(scopes: readonly SmartScope[], resourceType: string, permission: ScopePermission): boolean;
export function scopeAllows(
  scopes: readonly SmartScope[],
  context: ScopeContext | undefined,
  resourceType: string,
  permission: ScopePermission,
): boolean;
export function scopeAllows(scopes: readonly SmartScope[], ...rest: [string, ScopePermission] | [ScopeContext | undefined, string, ScopePermission]): boolean {
  const [context, resourceType, permission] = rest.length === 2 ? [undefined, ...rest] : rest;
  return scopes.some(
    (s) =>
      (context === undefined || s.context === context) &&
      (s.resourceType === '*' || s.resourceType === resourceType) &&
      s.permissions[permission],
  );
}

/** Throws FORBIDDEN (field 'scope') unless some scope grants `permission` on `resourceType` (any context). */
export function requireScope(scopes: readonly SmartScope[], resourceType: string, permission: ScopePermission): void {
  if (!scopeAllows(scopes, resourceType, permission)) {
    throw new CareLedgerError('FORBIDDEN', `SMART scope does not allow '${permission}' on ${resourceType}`, { field: 'scope' });
  }
}

/**
 * The resource types the scopes allow reading ('r', any context), for a
 * request naming `requested` types (undefined = every type): undefined when a
 * '*' read scope allows all and none were named; the sorted scoped types when
 * none were named; `requested` itself when every one is allowed. FORBIDDEN
 * (field 'scope') when no scope reads or a requested type is not allowed.
 */
export function readableResourceTypes(scopes: readonly SmartScope[], requested: readonly string[] | undefined): string[] | undefined {
  const reads = scopes.filter((s) => s.permissions.r);
  if (reads.length === 0) throw new CareLedgerError('FORBIDDEN', 'SMART scope does not allow reading', { field: 'scope' });
  if (reads.some((s) => s.resourceType === '*')) return requested === undefined ? undefined : [...requested];
  const allowed = new Set(reads.map((s) => s.resourceType));
  if (requested === undefined) return [...allowed].sort();
  const denied = requested.find((t) => !allowed.has(t));
  if (denied !== undefined) throw new CareLedgerError('FORBIDDEN', `SMART scope does not allow reading ${denied}`, { field: 'scope' });
  return [...requested];
}

/**
 * The canonical form of a grant: scopes with the same context and resource
 * type merged (permissions OR-ed), permissions a '*' scope of the same context
 * already gives removed from type-specific scopes, empty scopes dropped,
 * sorted by context/type. Allows exactly what its input allows.
 */
export function normaliseScopes(scopes: readonly SmartScope[]): SmartScope[] {
  const merged = new Map<string, SmartScope>();
  for (const s of scopes) {
    if (letters(s) === '') continue;
    const k = `${s.context}/${s.resourceType}`;
    const prev = merged.get(k);
    const p = prev?.permissions;
    merged.set(k, {
      context: s.context,
      resourceType: s.resourceType,
      permissions: {
        c: s.permissions.c || (p?.c ?? false),
        r: s.permissions.r || (p?.r ?? false),
        u: s.permissions.u || (p?.u ?? false),
        d: s.permissions.d || (p?.d ?? false),
        s: s.permissions.s || (p?.s ?? false),
      },
    });
  }
  // A type-specific scope loses what the '*' scope of its context already gives.
  const out: SmartScope[] = [];
  for (const [, s] of [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const all = s.resourceType === '*' ? undefined : merged.get(`${s.context}/*`)?.permissions;
    if (all === undefined) {
      out.push(s);
      continue;
    }
    const rest = { c: s.permissions.c && !all.c, r: s.permissions.r && !all.r, u: s.permissions.u && !all.u, d: s.permissions.d && !all.d, s: s.permissions.s && !all.s };
    if (Object.values(rest).some(Boolean)) out.push({ ...s, permissions: rest });
  }
  return out;
}

function intersectOne(a: SmartScope, b: SmartScope): SmartScope | undefined {
  if (a.context !== b.context) return undefined;
  let resourceType: string;
  if (a.resourceType === b.resourceType || b.resourceType === '*') resourceType = a.resourceType;
  else if (a.resourceType === '*') resourceType = b.resourceType;
  else return undefined;
  const permissions = {
    c: a.permissions.c && b.permissions.c,
    r: a.permissions.r && b.permissions.r,
    u: a.permissions.u && b.permissions.u,
    d: a.permissions.d && b.permissions.d,
    s: a.permissions.s && b.permissions.s,
  };
  return { context: a.context, resourceType, permissions };
}

/**
 * The grant for a request: every permission that both `requested` and
 * `allowed` give, per context and resource type, normalised. Asking for
 * system/*.rs with an allowance of system/Medication.cruds yields
 * system/Medication.rs.
 */
export function intersectScopes(requested: readonly SmartScope[], allowed: readonly SmartScope[]): SmartScope[] {
  const out: SmartScope[] = [];
  for (const r of requested) {
    for (const a of allowed) {
      const both = intersectOne(r, a);
      if (both !== undefined) out.push(both);
    }
  }
  return normaliseScopes(out);
}
