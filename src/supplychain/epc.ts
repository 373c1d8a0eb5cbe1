// EPC identifiers of EPCIS 2.0 documents (GS1 EPC Tag Data Standard 2.x,
// section 6.3 pure identity URIs) to GS1 elements: SGTIN
// `urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial` and SSCC
// `urn:epc:id:sscc:CompanyPrefix.ExtensionSerialRef`, plus GS1 Digital Link
// URIs, which EPCIS 2.0 also allows in epcList. The check digit the URN
// leaves out is computed here.
import { CareLedgerError } from '../errors/index.js';
import { checkElements, gs1CheckDigit, parseDigitalLink, type Gs1Elements } from './gs1.js';

function bad(where: string, message: string): CareLedgerError {
  return new CareLedgerError('MALFORMED', `${where}: ${message}`, { field: where });
}

/** TDS escapes in the serial component (%22 %25 %26 %2F %3C %3E %3F). */
function unescapeEpc(text: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(where, 'has a bad %-escape');
  }
}

/** The GS1 elements of an EPC pure identity URI or Digital Link; MALFORMED naming `where` otherwise. */
export function elementsOfEpc(epc: string, where: string): Gs1Elements {
  if (/^https?:\/\//i.test(epc)) {
    try {
      return parseDigitalLink(epc);
    } catch (e) {
      if (e instanceof CareLedgerError) throw bad(where, e.message);
      throw e;
    }
  }
  const sgtin = /^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$/.exec(epc);
  if (sgtin !== null) {
    const [, prefix, itemRef, serial] = sgtin as unknown as [string, string, string, string];
    if (prefix.length + itemRef.length !== 13 || prefix.length < 6 || prefix.length > 12) throw bad(where, 'SGTIN company prefix and item reference must have 13 digits together');
    const body = itemRef.slice(0, 1) + prefix + itemRef.slice(1);
    return checked({ gtin: body + String(gs1CheckDigit(body)), serial: unescapeEpc(serial, where) }, where);
  }
  const sscc = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(epc);
  if (sscc !== null) {
    const [, prefix, serialRef] = sscc as unknown as [string, string, string];
    if (prefix.length + serialRef.length !== 17 || prefix.length < 6 || prefix.length > 12) throw bad(where, 'SSCC company prefix and serial reference must have 17 digits together');
    const body = serialRef.slice(0, 1) + prefix + serialRef.slice(1);
    return checked({ sscc: body + String(gs1CheckDigit(body)) }, where);
  }
  throw bad(where, 'is not an SGTIN or SSCC EPC URI or a GS1 Digital Link');
}

function checked(e: Gs1Elements, where: string): Gs1Elements {
  try {
    return checkElements(e);
  } catch (error) {
    if (error instanceof CareLedgerError) throw bad(where, error.message);
    throw error;
  }
}
