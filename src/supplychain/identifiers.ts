// From scanned or typed GS1 identifiers to the hashed ids and commitments the
// ledger holds (contracts/supplychain ids.ts). The clear values stay here,
// in the caller's process.
import { CareLedgerError } from '../errors/index.js';
import { containerIdOf, lotExpiryCommitmentOf, lotIdOf, packIdOf, productIdOf } from '../contracts/supplychain/index.js';
import { parseScan, type Gs1Elements } from './gs1.js';

/** A pack's identifiers as scanned. */
export interface PackScan {
  gtin: string;
  serial: string;
  lot?: string | undefined;
  expiry?: string | undefined;
}

/** The scan as a pack (GTIN + serial required), MALFORMED otherwise naming `where`. */
export function packScanOf(e: Gs1Elements, where: string): PackScan {
  if (e.gtin === undefined || e.serial === undefined) {
    throw new CareLedgerError('MALFORMED', `${where}: a pack needs a GTIN (01) and a serial number (21)`, { field: where });
  }
  return { gtin: e.gtin, serial: e.serial, lot: e.lot, expiry: e.expiry };
}

/** The ledger id of a scanned pack (GTIN + serial) or logistic unit (SSCC). */
export function objectIdOf(scan: string, where: string): string {
  const e = parseScanAt(scan, where);
  if (e.sscc !== undefined && e.gtin === undefined) return containerIdOf(e.sscc);
  const pack = packScanOf(e, where);
  return packIdOf(pack.gtin, pack.serial);
}

/** parseScan, with `where` (the request field) in front of the element in errors. */
export function parseScanAt(scan: string, where: string): Gs1Elements {
  try {
    return parseScan(scan);
  } catch (e) {
    if (e instanceof CareLedgerError) {
      // A lone scan keeps the element's name as the field; in a list, the position comes first.
      const field = where === 'scan' ? (e.field ?? where) : `${where}: ${e.field ?? 'scan'}`;
      throw new CareLedgerError(e.code, `${where}: ${e.message}`, { field, cause: e });
    }
    throw e;
  }
}

export const hashed = { packIdOf, productIdOf, lotIdOf, lotExpiryCommitmentOf, containerIdOf };
