// Route patterns for the request log: FHIR vocabulary stays, ids go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fhirPathPattern } from './request-log.js';

test('FHIR paths become patterns without ids, names or unknown segments', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['metadata', 'metadata'],
    ['Patient/p-123', 'Patient/:id'],
    ['Observation/abc/_history/3', 'Observation/:id/_history/:vid'],
    ['Observation/_search', 'Observation/_search'],
    ['Patient/p-1/$everything', 'Patient/:id/$everything'],
    ['Patient/p-1/Observation', 'Patient/:id/Observation'],
    ['Smith/John', ':type/:id'],
    ['Patient/p-1/John Smith/x/y', 'Patient/:id/:segment/:vid/:segment'],
  ];
  for (const [path, pattern] of cases) assert.equal(fhirPathPattern(path), pattern, path);
});
