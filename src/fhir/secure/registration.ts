// Patients registered by the transaction that carries their records
// (docs/fhir.md, "Loading patient data"). The member signs
// identity/register-patient with its own key; the node only checks and
// submits it, before any record is staged. A retry of the same bundle finds
// the registration committed and goes on. The patient's identifiers stay in
// its Patient resource, in the vault: the ledger transaction carries keys only.
import { IDENTITY_CONTRACT } from '../../contracts/identity/index.js';
import { CareLedgerError, type ResultCode } from '../../errors/index.js';
import { parseEnvelope, type ParsedEnvelope } from '../../ledger/index.js';
import type { PatientRegistration, RequestContext } from '../types.js';
import type { Deps } from './tables.js';
import { authorizeWriter, type WriteGate } from './write-policy.js';

const REFUSALS: Partial<Record<ResultCode, ResultCode>> = {
  UNAUTHORIZED: 'FORBIDDEN', UNKNOWN_SIGNER: 'FORBIDDEN', REVOKED_SIGNER: 'FORBIDDEN', ALREADY_EXISTS: 'CONFLICT',
};

/** Checks and commits the registrations (FORBIDDEN, UNPROCESSABLE or the ledger's refusal, field `registration`). */
export async function registerPatients(ctx: RequestContext, deps: Deps, registrations: readonly PatientRegistration[]): Promise<void> {
  if (registrations.length === 0) return;
  authorizeWriter(ctx, deps.port, 'Patient', 'create');
  const actor = ctx.actor;
  const parsed: ParsedEnvelope[] = registrations.map((r) => parseEnvelope(r.envelope));
  for (const p of parsed) {
    const tx = p.envelope.tx;
    if (actor.kind !== 'member' || tx.signer !== actor.keyId) {
      throw new CareLedgerError('FORBIDDEN', 'a registration must be signed by the member sending the bundle', { field: 'registration' });
    }
    if (tx.network !== deps.port.networkId || tx.contract !== IDENTITY_CONTRACT || tx.action !== 'register-patient') {
      throw new CareLedgerError('UNPROCESSABLE', 'not an identity/register-patient of this network', { field: 'registration' });
    }
  }
  if (new Set(parsed.map((p) => p.txId)).size !== parsed.length) {
    throw new CareLedgerError('UNPROCESSABLE', 'a patient is registered twice in one bundle', { field: 'registration' });
  }
  const pending = parsed.filter((p) => deps.port.tx(p.txId)?.code !== 'OK');
  if (pending.length === 0) return;
  const results = await deps.port.submit(pending);
  for (const [i, p] of pending.entries()) {
    const code = results[i]?.code ?? 'UNAVAILABLE';
    if (code === 'OK') continue;
    throw new CareLedgerError(REFUSALS[code] ?? code, `the ledger refused the registration of entry ${p.txId.slice(0, 12)}: ${code}`, { field: 'registration' });
  }
}

/**
 * The write gate of a registering request: the member that registered a
 * patient may collect (create) that patient's first records without a
 * consent, while the patient has none here yet (the patient cannot have
 * consented before it existed). Everything else goes to `gate`.
 */
export function registrarGate(deps: Deps, registrations: readonly PatientRegistration[], gate: WriteGate): WriteGate {
  const fresh = new Set(registrations.map((r) => r.pseudonym).filter((p) => deps.tables.byOwner(p).length === 0));
  if (fresh.size === 0) return gate;
  return (pseudonym, action, resourceType, labels, kind) =>
    fresh.has(pseudonym) && action === 'collect' && kind !== 'delete' ? { permit: true, consentIds: [] } : gate(pseudonym, action, resourceType, labels, kind);
}
