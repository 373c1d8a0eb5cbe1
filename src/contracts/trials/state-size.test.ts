// No state value of the trials contract grows with the data: a trial's whole
// life cycle run at two scales (3 and 60 participants, each with several
// visits, corrections and Part 11 signatures, and several amendments) writes,
// action by action, values of exactly the same largest size, and every
// transaction stays within a fixed byte budget. A list kept in one value
// (participants, sites, amendments, captures, signatures) would fail both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalBytes } from '../../crypto/index.js';
import { COMMIT, K, amendment, consentKeyOf, consentOf, entry, larKeyOf, network, ok, registration, tp, trials, withdrawalOf } from '../../../test/helpers/trials-world.js';
import type { RunResult } from '../../../test/helpers/contracts.js';

/** One transaction's state writes in bytes: its largest value and their total. */
function sizes(r: RunResult): { largest: number; total: number } {
  const lengths = r.writes.map((w) => (w.value === undefined ? 0 : canonicalBytes(w.value).byteLength) + w.key.length);
  return { largest: Math.max(0, ...lengths), total: lengths.reduce((a, b) => a + b, 0) };
}

/** The largest value and largest transaction written by each action over a trial of `participants`. */
function lifeCycle(participants: number): Map<string, { largest: number; total: number }> {
  const state = network();
  const seen = new Map<string, { largest: number; total: number }>();
  const run = (action: string, args: unknown, signer: string) => {
    const r = ok(trials(state, action, args, signer, { height: 1000 })); // a fixed height: a record may name one
    const s = sizes(r);
    const before = seen.get(action) ?? { largest: 0, total: 0 };
    seen.set(action, { largest: Math.max(before.largest, s.largest), total: Math.max(before.total, s.total) });
  };
  run('register', registration(), K.sponsor);
  const ps = Array.from({ length: participants }, (_, i) => tp(`scale/${i}`));
  for (const p of ps) {
    run('add-participant', { trialId: 'TRIAL-1', participant: p, consentKeys: [{ keyId: consentKeyOf(p), role: 'participant' }, { keyId: larKeyOf(p), role: 'representative' }] }, K.alphaNode);
    run('consent', consentOf(p, 1), K.alphaNode);
    run('enrol', { trialId: 'TRIAL-1', participant: p }, K.alphaNode);
  }
  for (const [i, p] of ps.entries()) {
    for (const visit of ['week-04', 'week-12', 'week-26']) {
      run('anchor-crf', entry(p, 1, { visit }), K.alphaNode);
      run('anchor-crf', entry(p, 2, { visit, commitment: COMMIT(`${p}/${visit}/2`) }), K.alphaNode);
      const signed = { trialId: 'TRIAL-1', participant: p, visit, form: 'vitals', version: 2, commitment: COMMIT(`${p}/${visit}/2`) };
      run('sign-entry', { ...signed, meaning: 'authored' }, K.inv);
      run('sign-entry', { ...signed, meaning: 'reviewed' }, K.monitor);
      run('sign-entry', { ...signed, meaning: 'approved' }, K.pi);
    }
    if (i % 10 === 1) run('withdraw', withdrawalOf(p), K.alphaNode);
  }
  for (let v = 2; v <= 4; v++) run('amend', amendment(v, false), K.sponsor);
  run('amend', amendment(5, true), K.sponsor);
  run('consent', consentOf(ps[0]!, 5), K.alphaNode);
  run('lock', { trialId: 'TRIAL-1' }, K.sponsor);
  return seen;
}

test('no trials state value grows with the data: the same largest write per action at 3 and 60 participants, within a fixed budget', () => {
  const small = lifeCycle(3);
  const large = lifeCycle(60);
  assert.deepEqual([...large.keys()].sort(), ['add-participant', 'amend', 'anchor-crf', 'consent', 'enrol', 'lock', 'register', 'sign-entry', 'withdraw']);
  for (const [action, s] of large) {
    assert.deepEqual(s, small.get(action), `${action}: writes grew with the trial`);
    // Registration writes one entry per site and investigator, bounded by the schema (MAX_SITES); everything else is a few small values.
    assert.ok(s.total <= (action === 'register' ? 4096 : 2048), `${action} wrote ${s.total} bytes`);
  }
});
