// Unit and property tests of SMART scope parsing, formatting, intersection
// and checks (smart-app-launch v2 scope syntax; v1 read/write/* mapping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SmartScope } from '../fhir/types.js';
import { memberCeiling, patientCeiling } from './ceilings.js';
import { SCOPE_PERMISSIONS, formatScope, formatScopes, intersectScopes, normaliseScopes, parseScope, parseScopes, readableResourceTypes, requireScope, scopeAllows } from './scopes.js';
import { isCareLedgerError } from '../errors/index.js';

const perms = (letters: string) => ({ c: letters.includes('c'), r: letters.includes('r'), u: letters.includes('u'), d: letters.includes('d'), s: letters.includes('s') });

test('parses v2 scopes', () => {
  assert.deepEqual(parseScope('patient/Observation.rs'), { context: 'patient', resourceType: 'Observation', permissions: perms('rs') });
  assert.deepEqual(parseScope('system/*.cruds'), { context: 'system', resourceType: '*', permissions: perms('cruds') });
  assert.deepEqual(parseScope('user/Patient.d'), { context: 'user', resourceType: 'Patient', permissions: perms('d') });
});

test('maps v1 read, write and * to v2', () => {
  assert.equal(formatScope(parseScope('patient/*.read')), 'patient/*.rs');
  assert.equal(formatScope(parseScope('user/Observation.write')), 'user/Observation.cud');
  assert.equal(formatScope(parseScope('system/Patient.*')), 'system/Patient.cruds');
});

test('refuses malformed scopes', () => {
  for (const bad of [
    '', 'patient/Observation.', 'patient/Observation.sr', 'patient/Observation.rr', 'patient/Observation.x', 'Patient/Observation.r',
    'launch/patient', 'openid', 'patient/observation.r', 'patient/Observation.rs?category=lab', 'patient/*.readwrite', 'patient//Observation.r',
    'patient/Obs-ervation.r', ' patient/*.rs',
  ]) {
    assert.throws(() => parseScope(bad), RangeError, bad);
  }
  assert.throws(() => parseScopes('patient/*.rs openid'), RangeError);
  assert.throws(() => parseScopes(Array.from({ length: 65 }, () => 'patient/*.rs').join(' ')), RangeError);
  assert.throws(() => formatScope({ context: 'user', resourceType: '*', permissions: perms('') }), RangeError);
});

test('parseScopes splits on spaces and tolerates repeats', () => {
  assert.deepEqual(parseScopes('  patient/*.rs  user/Observation.c ').map(formatScope), ['patient/*.rs', 'user/Observation.c']);
  assert.deepEqual(parseScopes(''), []);
});

test('scopeAllows with and without context', () => {
  const scopes = parseScopes('patient/Observation.rs user/*.c');
  assert.equal(scopeAllows(scopes, 'Observation', 'r'), true);
  assert.equal(scopeAllows(scopes, 'patient', 'Observation', 's'), true);
  assert.equal(scopeAllows(scopes, 'user', 'Observation', 'r'), false);
  assert.equal(scopeAllows(scopes, 'user', 'Condition', 'c'), true);
  assert.equal(scopeAllows(scopes, undefined, 'Condition', 'c'), true);
  assert.equal(scopeAllows(scopes, 'patient', 'Condition', 'r'), false);
  assert.equal(scopeAllows(scopes, 'patient', '*', 'r'), false);
});

test('intersection keeps only what both sides give', () => {
  const grant = intersectScopes(parseScopes('system/*.rs system/Observation.cruds user/Medication.write'), memberCeiling(['pharmacist']));
  assert.equal(
    formatScopes(grant),
    'system/AllergyIntolerance.rs system/Medication.rs system/MedicationDispense.rs system/MedicationRequest.rs system/MedicationStatement.rs system/Patient.rs user/Medication.cud',
  );
  assert.deepEqual(intersectScopes(parseScopes('patient/*.rs'), memberCeiling(['practitioner'])), []);
  assert.deepEqual(intersectScopes(parseScopes('system/*.rs'), memberCeiling([])), []);
  assert.deepEqual(intersectScopes(parseScopes('system/*.rs'), memberCeiling(['toString'])), []);
  assert.equal(formatScopes(intersectScopes(parseScopes('patient/*.cruds'), patientCeiling())), 'patient/*.rs patient/Consent.cud');
  assert.equal(formatScopes(normaliseScopes(parseScopes('user/Observation.rs user/*.r user/Observation.c'))), 'user/*.r user/Observation.cs');
});

const context = fc.constantFrom<SmartScope['context']>('patient', 'user', 'system');
const resourceType = fc.oneof(fc.constant('*'), fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/), fc.constantFrom('Observation', 'Patient', 'Consent'));
const permissions = fc
  .record({ c: fc.boolean(), r: fc.boolean(), u: fc.boolean(), d: fc.boolean(), s: fc.boolean() }, { noNullPrototype: true })
  .filter((p) => Object.values(p).some(Boolean));
const scope: fc.Arbitrary<SmartScope> = fc.record({ context, resourceType, permissions }, { noNullPrototype: true });
const permission = fc.constantFrom(...SCOPE_PERMISSIONS);

test('property: format then parse is the identity', () => {
  fc.assert(fc.property(scope, (s) => assert.deepEqual(parseScope(formatScope(s)), s)));
  fc.assert(fc.property(fc.array(scope, { maxLength: 20 }), (list) => assert.deepEqual(parseScopes(formatScopes(list)), list)));
});

test('property: any string either fails to parse or reformats to a canonical equivalent', () => {
  const text = fc.oneof(fc.string(), fc.stringMatching(/^(patient|user|system|x)\/(\*|[A-Za-z]{1,8})\.(read|write|\*|[cruds]{0,6})$/));
  fc.assert(
    fc.property(text, (t) => {
      let parsed: SmartScope;
      try {
        parsed = parseScope(t);
      } catch (e) {
        assert.ok(e instanceof RangeError);
        return;
      }
      assert.deepEqual(parseScope(formatScope(parsed)), parsed);
    }),
  );
});

test('property: a grant allows exactly what both the request and the ceiling allow', () => {
  const typeQuery = fc.constantFrom('*', 'Observation', 'Patient', 'Consent', 'Medication');
  fc.assert(
    fc.property(fc.array(scope, { maxLength: 6 }), fc.array(scope, { maxLength: 6 }), context, typeQuery, permission, (req, ceil, ctx, type, p) => {
      const grant = intersectScopes(req, ceil);
      assert.equal(scopeAllows(grant, ctx, type, p), scopeAllows(req, ctx, type, p) && scopeAllows(ceil, ctx, type, p));
      assert.deepEqual(normaliseScopes(grant), grant);
    }),
  );
});

test('property: normalising changes nothing a scope check can see', () => {
  const typeQuery = fc.constantFrom('*', 'Observation', 'Patient', 'Consent');
  fc.assert(
    fc.property(fc.array(scope, { maxLength: 8 }), context, typeQuery, permission, (list, ctx, type, p) => {
      const norm = normaliseScopes(list);
      assert.equal(scopeAllows(norm, ctx, type, p), scopeAllows(list, ctx, type, p));
      assert.deepEqual(normaliseScopes(norm), norm);
    }),
  );
});

test('requireScope: FORBIDDEN naming the scope unless some scope (any context) allows it', () => {
  const scopes = parseScopes('patient/Observation.rs user/Condition.c');
  assert.doesNotThrow(() => requireScope(scopes, 'Observation', 'r'));
  assert.doesNotThrow(() => requireScope(scopes, 'Condition', 'c'));
  for (const [type, p] of [['Observation', 'c'], ['Condition', 'r'], ['Patient', 's']] as const) {
    assert.throws(
      () => requireScope(scopes, type, p),
      (e: unknown) => isCareLedgerError(e) && e.code === 'FORBIDDEN' && e.field === 'scope' && e.message === `SMART scope does not allow '${p}' on ${type}`,
    );
  }
});

test('readableResourceTypes: the types the read scopes allow, or FORBIDDEN', () => {
  const forbidden = (message: string) => (e: unknown) => isCareLedgerError(e) && e.code === 'FORBIDDEN' && e.field === 'scope' && e.message === message;
  const typed = parseScopes('user/Observation.rs patient/Condition.r user/Patient.s');
  assert.deepEqual(readableResourceTypes(typed, undefined), ['Condition', 'Observation']);
  assert.deepEqual(readableResourceTypes(typed, ['Observation']), ['Observation']);
  assert.throws(() => readableResourceTypes(typed, ['Observation', 'Patient']), forbidden('SMART scope does not allow reading Patient'));
  const all = parseScopes('user/*.r');
  assert.equal(readableResourceTypes(all, undefined), undefined);
  assert.deepEqual(readableResourceTypes(all, ['Patient', 'Observation']), ['Patient', 'Observation']);
  assert.throws(() => readableResourceTypes(parseScopes('user/*.s user/Observation.cud'), undefined), forbidden('SMART scope does not allow reading'));
  assert.throws(() => readableResourceTypes([], ['Observation']), forbidden('SMART scope does not allow reading'));
});
