// Errors of a transaction bundle, gathered over every entry so the client
// learns all of them at once: each issue names its entry (`Bundle.entry[i]`)
// and the FHIRPath of the element inside it.
import { RESULT_CODES, type ResultCode, isCareLedgerError } from '../../errors/index.js';
import { FhirOutcomeError, operationOutcome, type OutcomeIssue } from './outcome.js';

export class EntryErrors {
  readonly #issues: OutcomeIssue[] = [];
  #code: ResultCode | undefined;

  /** Records what entry `i` (of resource type `type`, if known) threw; rethrows what is not a CareLedger error. */
  add(i: number, type: string | undefined, e: unknown): void {
    if (!isCareLedgerError(e)) throw e;
    const issues = e instanceof FhirOutcomeError ? e.issues : operationOutcome(e.code, e.message, e.field === undefined ? {} : { expression: e.field }).issue;
    for (const issue of issues) {
      const expression = (issue.expression ?? []).map((x) => locate(x, i, type));
      this.#issues.push({ ...issue, expression: expression.length > 0 ? expression : [`Bundle.entry[${i}]`], details: { text: `Bundle.entry[${i}]: ${issue.details?.text ?? ''}` } });
    }
    // 400 wins over 4xx of content: a malformed entry makes the bundle unreadable as a whole.
    if (this.#code === undefined || (RESULT_CODES[e.code].http === 400 && RESULT_CODES[this.#code].http !== 400)) this.#code = e.code;
  }

  get count(): number {
    return this.#issues.length;
  }

  /** Throws one FhirOutcomeError with every issue, if there is any. */
  throwIfAny(): void {
    if (this.#code !== undefined) throw new FhirOutcomeError(this.#code, this.#issues, `${this.#issues.length} problem(s) in the bundle`);
  }
}

/** `Observation.status` of entry 3 -> `Bundle.entry[3].resource.status`; paths already rooted at Bundle stay. */
function locate(expression: string, i: number, type: string | undefined): string {
  if (expression.startsWith('Bundle.')) return expression;
  const root = `Bundle.entry[${i}].resource`;
  if (type !== undefined && (expression === type || expression.startsWith(`${type}.`) || expression.startsWith(`${type}[`))) return root + expression.slice(type.length);
  return `${root}.${expression}`;
}
