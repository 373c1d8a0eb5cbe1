// A full or failing disk under a FHIR request is a dependency fault: 503
// STORAGE_UNAVAILABLE (OperationOutcome issue 'transient'), never a 500; any
// other unexpected error stays a 500 that says nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeFromError } from './outcome.js';

test('SQLITE_FULL (also as a cause) is 503 transient; anything else unexpected is 500', () => {
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  for (const e of [full, new Error('wrapped', { cause: full })]) {
    const { status, outcome } = outcomeFromError(e);
    assert.equal(status, 503);
    assert.equal(outcome.issue[0]?.code, 'transient');
  }
  assert.equal(outcomeFromError(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' })).status, 500);
});
