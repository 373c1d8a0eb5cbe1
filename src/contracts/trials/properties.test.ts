// Property test of the trials contract's execution rules: random sequences of
// amendments, consents, withdrawals, captures and a lock agree with a small
// reference model of the documented rule order, a refused action writes
// nothing, and every form's anchored versions stay 1..latest contiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getCrfHead, getCrfVersion } from './index.js';
import { K, amendment, code, consentOf, enrolled, entry, network, ok, registration, tp, trials } from '../../../test/helpers/trials-world.js';

const PARTICIPANTS = [tp('a'), tp('b'), tp('c')];

const stepArb = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('amend' as const), reconsent: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('consent' as const), p: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), p: fc.nat(2) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('capture' as const), p: fc.nat(2), form: fc.constantFrom('vitals', 'labs'), skew: fc.constantFrom(0, 0, 0, 0, 1, -1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lock' as const) }) },
);

interface Model {
  version: number;
  consentVersion: number;
  locked: boolean;
  consented: number[];
  withdrawn: boolean[];
  latest: Map<string, number>;
}

test('random rule sequences match the model; refusals write nothing; versions stay contiguous', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
      const state = network();
      ok(trials(state, 'register', registration(), K.sponsor));
      for (const p of PARTICIPANTS) enrolled(state, p);
      const m: Model = { version: 1, consentVersion: 1, locked: false, consented: [1, 1, 1], withdrawn: [false, false, false], latest: new Map() };
      for (const step of steps) {
        let expected: string;
        let r;
        switch (step.kind) {
          case 'amend':
            expected = m.locked ? 'CONFLICT' : 'OK';
            r = trials(state, 'amend', amendment(m.version + 1, step.reconsent), K.sponsor);
            if (expected === 'OK') {
              m.version += 1;
              if (step.reconsent) m.consentVersion = m.version;
            }
            break;
          case 'consent': {
            const p = PARTICIPANTS[step.p] ?? '';
            expected = m.withdrawn[step.p] || m.locked ? 'RULE_VIOLATION' : m.consented[step.p] === m.version ? 'ALREADY_EXISTS' : 'OK';
            r = trials(state, 'consent', consentOf(p, m.version), K.alphaNode);
            if (expected === 'OK') m.consented[step.p] = m.version;
            break;
          }
          case 'withdraw': {
            expected = m.withdrawn[step.p] ? 'CONFLICT' : 'OK';
            r = trials(state, 'withdraw', { trialId: 'TRIAL-1', participant: PARTICIPANTS[step.p] }, K.alphaNode);
            m.withdrawn[step.p] = true;
            break;
          }
          case 'capture': {
            const p = PARTICIPANTS[step.p] ?? '';
            const key = `${p}/${step.form}`;
            const version = (m.latest.get(key) ?? 0) + 1 + step.skew;
            if (version < 1) continue;
            if (m.locked || m.withdrawn[step.p] || (m.consented[step.p] ?? 0) < m.consentVersion) expected = 'RULE_VIOLATION';
            else expected = step.skew === 0 ? 'OK' : 'CONFLICT';
            r = trials(state, 'anchor-crf', entry(p, version, { form: step.form }), K.alphaNode);
            if (expected === 'OK') m.latest.set(key, version);
            break;
          }
          case 'lock':
            expected = m.locked ? 'CONFLICT' : 'OK';
            r = trials(state, 'lock', { trialId: 'TRIAL-1' }, K.sponsor);
            m.locked = true;
            break;
        }
        assert.equal(code(r), expected, `${JSON.stringify(step)}: ${JSON.stringify(r.refusal)}`);
        if (r.refusal !== undefined) assert.deepEqual(r.writes, []);
      }
      for (const p of PARTICIPANTS) {
        for (const form of ['vitals', 'labs']) {
          const latest = m.latest.get(`${p}/${form}`) ?? 0;
          assert.equal(getCrfHead(state, 'TRIAL-1', p, 'week-4', form)?.latest, latest === 0 ? undefined : latest);
          for (let v = 1; v <= latest + 1; v++) assert.equal(getCrfVersion(state, 'TRIAL-1', p, 'week-4', form, v) !== undefined, v <= latest);
        }
      }
    }),
    { numRuns: 100 },
  );
});
