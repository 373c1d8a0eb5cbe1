// Input checks and AAD construction for vault records. Identifiers are opaque
// (base64url-ish) strings; messages name the field but never echo values
// that could carry health data.
import { canonicalBytes, concatBytes, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

export const RECORD_AAD_DOMAIN = 'careledger.record/1\n';
/** Largest plaintext of one record version. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const OPAQUE_ID = /^[A-Za-z0-9._:~-]{1,128}$/;
/** FHIR R4 resource type names (e.g. Observation). */
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !OPAQUE_ID.test(value)) {
    throw new CareLedgerError('MALFORMED', `${field} must be 1-128 characters of [A-Za-z0-9._:~-]`, { field });
  }
  return value;
}

export function checkResourceType(value: unknown): string {
  if (typeof value !== 'string' || !RESOURCE_TYPE.test(value)) {
    throw new CareLedgerError('MALFORMED', 'resourceType must be a FHIR resource type name', { field: 'resourceType' });
  }
  return value;
}

export function checkVersion(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new CareLedgerError('MALFORMED', 'version must be a positive integer', { field: 'version' });
  }
  return value;
}

export function checkTimestamp(value: unknown): string {
  if (typeof value !== 'string' || !ISO_UTC.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CareLedgerError('MALFORMED', 'lastUpdated must be an ISO 8601 UTC time', { field: 'lastUpdated' });
  }
  return value;
}

export function checkPlaintext(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CareLedgerError('MALFORMED', 'plaintext must be a Uint8Array', { field: 'plaintext' });
  }
  if (value.byteLength > MAX_RECORD_BYTES) {
    throw new CareLedgerError('TOO_LARGE', `record exceeds ${MAX_RECORD_BYTES} bytes`, { field: 'plaintext' });
  }
  return value;
}

/** AAD of a record version: "careledger.record/1\n" || JCS({pseudonym, recordId, resourceType, version}). */
export function recordAad(pseudonym: string, recordId: string, version: number, resourceType: string): Uint8Array {
  return concatBytes(utf8(RECORD_AAD_DOMAIN), canonicalBytes({ pseudonym, recordId, resourceType, version }));
}
