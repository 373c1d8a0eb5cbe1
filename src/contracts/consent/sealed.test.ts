// Sealed consent bodies: round trip, and each way a stored grant fails to
// open (tampered ciphertext, wrong recipient, another patient or network,
// commitment mismatch, invalid body) with its exact error code and field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { generateX25519PrivateKey, toBase64Url, x25519PublicBytes } from '../../crypto/index.js';
import { isCareLedgerError } from '../../errors/index.js';
import type { JsonValue } from '../../ledger/contract.js';
import { arbGrant } from '../../../test/helpers/consent-arbitraries.js';
import { consentCommitment, openSealedGrant, sealConsentBody, sealConsentGrant, type SealedGrantArgs } from './sealed.js';
import type { SealedConsentRecord } from './state.js';
import { HOSP, HOSP_HPKE, HOSP_HPKE_PUBLIC, NETWORK, OTHER_PATIENT, PATIENT, T0 } from '../../../test/helpers/consent-world.js';

const grantee = { kind: 'practitioner' as const, orgId: HOSP, memberId: 'dr-x' };
const provision = { type: 'permit' as const, purposes: ['TREAT' as const], securityLabels: ['PSY' as const] };

function record(args: SealedGrantArgs, patient: string = args.patient): SealedConsentRecord {
  return { consentId: 'cns_AAAAAAAAAAAAAAAAAAAAAA', patient, sealed: args.sealed, commitment: args.commitment, status: 'active', grantedBy: 'k', grantedAt: T0 };
}

function failure(f: () => unknown): { code: string; field: string | undefined } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!isCareLedgerError(e)) throw e;
    return { code: e.code, field: e.field };
  }
}

void test('a sealed grant opens to what was sealed; nothing of it is in clear', () => {
  const args = sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: HOSP_HPKE_PUBLIC, grantee, provision });
  const text = JSON.stringify(args);
  for (const clear of ['dr-x', 'TREAT', 'PSY', 'permit', HOSP]) assert.equal(text.includes(clear), false, clear);
  const opened = openSealedGrant(HOSP_HPKE, NETWORK, record(args));
  assert.deepEqual({ grantee: opened.grantee, provision: opened.provision }, { grantee, provision });
  // Two seals of the same consent differ (fresh salt and ephemeral key), so equal consents are not linkable.
  const again = sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: HOSP_HPKE_PUBLIC, grantee, provision });
  assert.notEqual(again.commitment, args.commitment);
  assert.notEqual(again.sealed.ct, args.sealed.ct);
});

void test('sealConsentGrant refuses an invalid body before sealing', () => {
  const bad = failure(() => sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: HOSP_HPKE_PUBLIC, grantee, provision: { type: 'maybe' as 'permit' } }));
  assert.deepEqual(bad, { code: 'INVALID_ARGS', field: 'body.provision.type' });
  assert.deepEqual(failure(() => sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: 'AAAA', grantee, provision })), {
    code: 'UNPROCESSABLE',
    field: 'hpkePublicKey',
  });
});

void test('each way a grant fails to open has its exact code', () => {
  const args = sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: HOSP_HPKE_PUBLIC, grantee, provision });
  const ct = Buffer.from(args.sealed.ct, 'base64url');
  ct[5] = ct[5]! ^ 1;
  const tampered = { ...args, sealed: { ...args.sealed, ct: toBase64Url(ct) } };
  const sealedFail = { code: 'CONFLICT', field: 'sealed' };
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record(tampered))), sealedFail);
  assert.deepEqual(failure(() => openSealedGrant(generateX25519PrivateKey(), NETWORK, record(args))), sealedFail);
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, 'other-net', record(args))), sealedFail);
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record(args, OTHER_PATIENT))), sealedFail);
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record({ ...args, sealed: { ...args.sealed, enc: '!' } }))), sealedFail);
  const other = consentCommitment({ grantee, provision, salt: 'AAAAAAAAAAAAAAAAAAAAAA' } as unknown as JsonValue);
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record({ ...args, commitment: other }))), { code: 'CONFLICT', field: 'commitment' });
  const invalid = sealConsentBody(NETWORK, PATIENT, HOSP_HPKE_PUBLIC, { grantee, provision: { type: 'permit', purposes: ['GOSSIP'] }, salt: 'AAAAAAAAAAAAAAAAAAAAAA' });
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record(invalid))), { code: 'INVALID_ARGS', field: 'body.provision.purposes.0' });
  const unsalted = sealConsentBody(NETWORK, PATIENT, HOSP_HPKE_PUBLIC, { grantee, provision });
  assert.equal(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record(unsalted)))?.code, 'INVALID_ARGS');
  let deep: JsonValue = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  const nested = sealConsentBody(NETWORK, PATIENT, HOSP_HPKE_PUBLIC, { grantee, provision, salt: 'AAAAAAAAAAAAAAAAAAAAAA', x: deep });
  assert.deepEqual(failure(() => openSealedGrant(HOSP_HPKE, NETWORK, record(nested))), { code: 'INVALID_ARGS', field: 'body' });
  // A recipient key that is not 32 bytes is the client's error, before sealing.
  assert.equal(x25519PublicBytes(HOSP_HPKE).byteLength, 32);
});

void test('property: every valid grant seals and opens to its canonical form', () => {
  fc.assert(
    fc.property(arbGrant(PATIENT), (g) => {
      const args = sealConsentGrant({ network: NETWORK, patient: PATIENT, custodianHpkePublicKey: HOSP_HPKE_PUBLIC, grantee: g.grantee, provision: g.provision });
      const opened = openSealedGrant(HOSP_HPKE, NETWORK, record(args));
      assert.deepEqual({ patient: opened.patient, grantee: opened.grantee, provision: opened.provision }, g);
    }),
    { numRuns: 300 },
  );
});
