// The reason of a delete (issue 9, finding 4): header `X-Delete-Reason`
// (visible ASCII, or RFC 8187 `UTF-8''<percent-encoded>` for any UTF-8
// text) or the query parameter `reason` (percent-encoded UTF-8, as every
// query value). The secure repository checks its length and form
// (fhir/secure/write-policy.ts); here it is only decoded.
import { CareLedgerError } from '../../errors/index.js';
import type { FhirHttpRequest } from './http.js';

const RFC8187 = /^utf-8''([A-Za-z0-9!#$&+.^_`|~%-]*)$/i;
const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/** The decoded delete reason of a request, undefined if it names none; MALFORMED if undecodable. */
export function deleteReasonOf(req: FhirHttpRequest): string | undefined {
  const query = req.query['reason'];
  if (typeof query === 'string') return query;
  if (Array.isArray(query)) throw new CareLedgerError('MALFORMED', 'reason is given twice', { field: 'reason' });
  const header = req.headers['x-delete-reason'];
  if (header === undefined) return undefined;
  const ext = RFC8187.exec(header.trim());
  if (ext?.[1] !== undefined) {
    try {
      return decodeURIComponent(ext[1]);
    } catch {
      throw new CareLedgerError('MALFORMED', "X-Delete-Reason is not valid UTF-8''<percent-encoded> text", { field: 'reason' });
    }
  }
  if (!VISIBLE_ASCII.test(header)) {
    throw new CareLedgerError('MALFORMED', "X-Delete-Reason takes ASCII, or UTF-8''<percent-encoded> text (RFC 8187)", { field: 'reason' });
  }
  return header;
}
