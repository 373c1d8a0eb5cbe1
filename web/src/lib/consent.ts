// A consent grant built and sealed in the browser (src/contracts/consent/
// sealed.ts): body = {grantee, provision (canonical: lists sorted, unique,
// empty ones left out), salt}, sealed with HPKE to the custodian's
// hpkePublicKey with info "careledger.consent/1\n" + network + "\n" +
// pseudonym, beside commitment = hex SHA-256("careledger.consent-body/1\n" ||
// JCS(body)); the patient signs consent/grant and posts it to the
// custodian's checked route.
import { fromBase64Url, randomBytes, sha256, toBase64Url, toHex, utf8 } from './bytes.js';
import { hpkeSeal } from './hpke.js';
import { canonicalize } from './jcs.js';

export type Grantee = { kind: 'practitioner'; orgId: string; memberId: string } | { kind: 'organization'; orgId: string };

export interface ProvisionInput {
  type: 'permit' | 'deny';
  actions: string[];
  purposes: string[];
  resourceTypes: string[];
  /** RFC 3339 instant with milliseconds, or undefined for open. */
  end?: string | undefined;
}

const sorted = (xs: string[]) => [...new Set(xs)].sort();

export function canonicalProvision(p: ProvisionInput): Record<string, unknown> {
  const out: Record<string, unknown> = { type: p.type };
  if (p.actions.length > 0) out['actions'] = sorted(p.actions);
  if (p.resourceTypes.length > 0) out['resourceTypes'] = sorted(p.resourceTypes);
  if (p.purposes.length > 0) out['purposes'] = sorted(p.purposes);
  if (p.end !== undefined) out['period'] = { end: p.end };
  return out;
}

export async function sealGrant(network: string, patient: string, custodianHpkeKey: string, grantee: Grantee, provision: ProvisionInput) {
  const pk = fromBase64Url(custodianHpkeKey);
  if (pk === undefined || pk.length !== 32) throw new Error('the custodian has no valid HPKE key on the ledger');
  const body = { grantee, provision: canonicalProvision(provision), salt: toBase64Url(randomBytes(16)) };
  const text = canonicalize(body);
  const sealed = await hpkeSeal(pk, utf8(`careledger.consent/1\n${network}\n${patient}`), new Uint8Array(0), utf8(text));
  const commitment = toHex(await sha256(utf8('careledger.consent-body/1\n' + text)));
  return { patient, sealed: { enc: toBase64Url(sealed.enc), ct: toBase64Url(sealed.ct) }, commitment };
}
