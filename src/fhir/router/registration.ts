// Registering a patient inside the transaction that carries its records: a
// `POST Patient` entry whose `request` carries the extension
// REGISTRATION_EXTENSION with a signed identity/register-patient envelope (the
// member's own key; the patient's provisional keys, e.g. from an enrolment
// code). The pseudonym is the one the ledger will mint (pseudonymForTx of the
// envelope's txId), so the router can link every reference to the entry's
// fullUrl to `Patient/<pseudonym>` before anything is stored. The node never
// signs for the member; the repository checks and submits the envelope.
import { IDENTITY_CONTRACT, pseudonymForTx } from '../../contracts/identity/index.js';
import { isCareLedgerError } from '../../errors/index.js';
import { parseEnvelope } from '../../ledger/index.js';
import { fail } from './outcome.js';
import { REGISTRATION_EXTENSION, type PatientRegistration } from '../types.js';

interface Extension {
  url?: unknown;
  valueString?: unknown;
}

/** The registration an entry's request carries, or undefined; MALFORMED (with `where`) when it is not a register-patient envelope. */
export function registrationOf(request: { extension?: unknown }, where: string): PatientRegistration | undefined {
  const list = Array.isArray(request.extension) ? (request.extension as Extension[]) : [];
  const ext = list.find((e) => typeof e === 'object' && e !== null && e.url === REGISTRATION_EXTENSION);
  if (ext === undefined) return undefined;
  const expression = `${where}.extension`;
  if (typeof ext.valueString !== 'string') fail('MALFORMED', 'the registration extension takes valueString: a signed envelope as JSON', { expression });
  let parsed;
  try {
    parsed = parseEnvelope(JSON.parse(ext.valueString));
  } catch (e) {
    if (e instanceof SyntaxError || isCareLedgerError(e)) fail('MALFORMED', 'the registration is not a signed envelope', { expression });
    throw e;
  }
  if (parsed.envelope.tx.contract !== IDENTITY_CONTRACT || parsed.envelope.tx.action !== 'register-patient') {
    fail('MALFORMED', 'the registration must be an identity/register-patient transaction', { expression });
  }
  return { envelope: parsed.envelope, pseudonym: pseudonymForTx(parsed.txId) };
}
