// Property suite of the label release rule (issue 9, finding 2): data
// carrying a restricted label (a v3 ActCode sensitivity code, or
// confidentiality R or V) is released only by a permit provision that names
// every restricted label it carries. 1,000 cases per property; grants go
// through the contract so the stored form is the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, restrictedLabelsOf } from './decide.js';
import { LABEL_VOCABULARY, RESOURCE_TYPES, arbGrant, arbRequest, arbTime } from '../../../test/helpers/consent-arbitraries.js';
import { CONSENT_ACTIONS, PURPOSES_OF_USE, RESTRICTED_LABELS, type ConsentGrant, type Provision, type SecurityLabel } from './schema.js';
import { HOSP, PATIENT, T0, World, addHours, drY, request } from '../../../test/helpers/consent-world.js';

const RUNS = { numRuns: 1000 };
const RESTRICTED_VOCABULARY = LABEL_VOCABULARY.filter((l) => RESTRICTED_LABELS.includes(l));

/** Grants what the contract accepts (grants whose period already ended are refused) and returns their ids. */
function seed(w: World, grants: readonly ConsentGrant[], at: string = T0): string[] {
  const ids: string[] = [];
  for (const g of grants) {
    const r = w.run('grant', g, { at });
    if (r.refusal === undefined) ids.push(String(r.events[0]?.data['consentId']));
    else assert.equal(r.refusal.code, 'RULE_VIOLATION');
  }
  return ids;
}

/** The provision tree with `label` taken out of every label list (an emptied list means "any"). */
function withoutLabel(p: Provision, label: string): Provision {
  const out: Provision = { ...p };
  if (p.securityLabels !== undefined) {
    const kept = p.securityLabels.filter((l) => l !== label);
    if (kept.length > 0) out.securityLabels = kept;
    else delete out.securityLabels;
  }
  if (p.provisions !== undefined) out.provisions = p.provisions.map((c) => withoutLabel(c, label));
  return out;
}

const arbRestricted = fc.constantFrom(...RESTRICTED_VOCABULARY);

void test('the catalogue: every sensitivity code and confidentiality R and V are restricted, N is not', () => {
  assert.deepEqual(restrictedLabelsOf(['N', 'R', 'V', 'PSY', 'HIV', 'ETH', 'ETHUD', 'OPIOIDUD', 'SEX', 'SUD', 'U', 'L', 'M', 'HTEST']), [
    'R', 'V', 'PSY', 'HIV', 'ETH', 'ETHUD', 'OPIOIDUD', 'SEX', 'SUD',
  ]);
});

void test('property: a permit that does not name a label never releases data carrying it', () => {
  fc.assert(
    fc.property(
      fc.array(arbGrant(PATIENT, 'permit'), { minLength: 1, maxLength: 5 }),
      arbRestricted,
      arbRequest,
      arbTime,
      (grants, label, req, time) => {
        const w = new World();
        seed(w, grants.map((g) => ({ ...g, provision: withoutLabel(g.provision, label) })));
        const labels = [...new Set([...req.securityLabels, label])];
        const d = decide(w.state, { ...req, securityLabels: labels }, time, w.book);
        assert.equal(d.decision, 'deny');
      },
    ),
    RUNS,
  );
});

void test('property: whatever the grants, each permitting grant names every restricted label of the data', () => {
  const named = (p: Provision): string[] => [...(p.securityLabels ?? []), ...(p.provisions ?? []).flatMap(named)];
  fc.assert(
    fc.property(fc.array(arbGrant(), { minLength: 1, maxLength: 6 }), arbRequest, arbTime, (grants, req, time) => {
      const w = new World();
      const byId = new Map<string, ConsentGrant>();
      for (const g of grants) {
        const [id] = seed(w, [g]);
        if (id !== undefined) byId.set(id, g);
      }
      const d = decide(w.state, req, time, w.book);
      if (d.decision !== 'permit') return;
      for (const id of d.consentIds) {
        const labels = new Set(named((byId.get(id) as ConsentGrant).provision));
        for (const label of restrictedLabelsOf(req.securityLabels)) assert.ok(labels.has(label), `${label} released by ${id}, which never names it`);
      }
    }),
    RUNS,
  );
});

void test('property: adding a deny grant never releases more', () => {
  fc.assert(
    fc.property(
      fc.array(arbGrant(), { maxLength: 5 }),
      arbGrant(PATIENT, 'deny'),
      arbRequest,
      arbTime,
      (grants, deny, req, time) => {
        const w = new World();
        seed(w, grants);
        const before = decide(w.state, req, time, w.book);
        seed(w, [deny]);
        const after = decide(w.state, req, time, w.book);
        if (before.decision === 'deny') assert.equal(after.decision, 'deny');
        if (after.decision === 'permit') assert.deepEqual(after, before);
      },
    ),
    RUNS,
  );
});

const arbExactRequest = fc.record({
  action: fc.constantFrom(...CONSENT_ACTIONS),
  resourceType: fc.constantFrom(...RESOURCE_TYPES),
  securityLabels: fc.subarray([...LABEL_VOCABULARY], { minLength: 1, maxLength: 4 }),
  purpose: fc.constantFrom(...PURPOSES_OF_USE),
});

void test('property: a permit naming all the labels releases when everything else matches, whatever other permits say', () => {
  fc.assert(
    fc.property(fc.array(arbGrant(PATIENT, 'permit'), { maxLength: 4 }), arbExactRequest, arbTime, (others, facts, time) => {
      const w = new World();
      seed(w, others);
      const id = seed(w, [drY({ type: 'permit', actions: [facts.action], purposes: [facts.purpose], resourceTypes: [facts.resourceType], securityLabels: facts.securityLabels })])[0];
      assert.ok(id !== undefined);
      const d = decide(w.state, request(facts), time, w.book);
      assert.equal(d.decision, 'permit');
      assert.ok(d.consentIds.includes(id));
    }),
    RUNS,
  );
});

void test('property: one permit must name every restricted label; permits naming them separately do not add up', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(arbRestricted, { minLength: 2, maxLength: 4 }),
      fc.constantFrom(...PURPOSES_OF_USE),
      arbTime,
      (labels, purpose, time) => {
        const w = new World();
        for (const label of labels) seed(w, [drY({ type: 'permit', securityLabels: [label] })]);
        assert.equal(w.decide({ securityLabels: labels, purpose }, time).decision, 'deny');
        const all = seed(w, [drY({ type: 'permit', securityLabels: labels as SecurityLabel[] })])[0];
        assert.deepEqual(w.decide({ securityLabels: labels, purpose }, time), { decision: 'permit', consentIds: [all], reason: 'permitted' });
      },
    ),
    RUNS,
  );
});

void test('property: a revoked or expired permit never releases, even one naming every label', () => {
  fc.assert(
    fc.property(arbExactRequest, fc.integer({ min: 1, max: 48 }), fc.integer({ min: 0, max: 48 }), fc.boolean(), (facts, hours, after, revoke) => {
      const w = new World();
      const end = addHours(T0, hours);
      const period = revoke ? {} : { period: { end } };
      const [id] = seed(w, [drY({ type: 'permit', securityLabels: facts.securityLabels, ...period })]);
      assert.ok(id !== undefined);
      const time = addHours(end, after);
      if (revoke) assert.equal(w.revoke(id).refusal, undefined);
      const d = decide(w.state, request(facts), time, w.book);
      assert.equal(d.decision, 'deny');
      assert.equal(d.reason, revoke ? 'no-consent' : 'expired');
    }),
    RUNS,
  );
});

void test('a nested permit releases within an ancestor that names the label', () => {
  const w = new World();
  const id = w.grant(drY({ type: 'permit', securityLabels: ['PSY'], provisions: [{ type: 'permit', resourceTypes: ['Observation'] }] }));
  assert.deepEqual(w.decide({ securityLabels: ['PSY'] }), { decision: 'permit', consentIds: [id], reason: 'permitted' });
  // A generic root with a nested PSY permit releases PSY data only through the nested one.
  const v = new World();
  const nested = v.grant(drY({ type: 'permit', resourceTypes: ['Observation'], provisions: [{ type: 'permit', securityLabels: ['PSY'], purposes: ['TREAT'] }] }));
  assert.deepEqual(v.decide({ securityLabels: ['PSY'] }), { decision: 'permit', consentIds: [nested], reason: 'permitted' });
  assert.equal(v.decide({ securityLabels: ['PSY'], purpose: 'HRESCH' }).reason, 'no-consent');
  assert.equal(v.decide({ securityLabels: [] , purpose: 'HRESCH' }).decision, 'permit');
});

void test('finding 2: a generic TREAT permit does not release PSY, HIV, R or V data; a permit naming the label does', () => {
  const w = new World();
  const generic = w.grant(drY({ type: 'permit', purposes: ['TREAT'] }));
  assert.deepEqual(w.decide({ securityLabels: [] }), { decision: 'permit', consentIds: [generic], reason: 'permitted' });
  assert.deepEqual(w.decide({ securityLabels: ['N'] }), { decision: 'permit', consentIds: [generic], reason: 'permitted' });
  for (const label of ['PSY', 'HIV', 'ETH', 'ETHUD', 'OPIOIDUD', 'SEX', 'SUD', 'R', 'V'] as const) {
    assert.deepEqual(w.decide({ securityLabels: [label] }), { decision: 'deny', consentIds: [], reason: 'no-consent' }, label);
  }
  const psy = w.grant({ patient: PATIENT, grantee: { kind: 'organization', orgId: HOSP }, provision: { type: 'permit', securityLabels: ['PSY'], purposes: ['TREAT'] } });
  assert.deepEqual(w.decide({ securityLabels: ['PSY'] }), { decision: 'permit', consentIds: [psy], reason: 'permitted' });
  assert.equal(w.decide({ securityLabels: ['PSY', 'HIV'] }).decision, 'deny');
  assert.equal(w.decide({ securityLabels: ['PSY'], purpose: 'HRESCH' }).decision, 'deny');
});
