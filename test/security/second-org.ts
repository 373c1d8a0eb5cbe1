// A second organisation on a records node's one-organisation dev network,
// for the security tests (issue 9): org-a's admin proposes it and, being
// the only organisation, its proposal executes at once. The test holds
// org-b's admin, node and HPKE keys, so it can act as org-b's node: sign
// exchange requests to org-a's POST /exchange/v1/requests and open the
// sealed answers. Tests only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateSigningKey, toBase64Url, toHex, type SigningKey } from '../../src/crypto/index.js';
import {
  EXCHANGE_REQUEST_TYPE,
  authorizeExchange,
  importHpkePrivateKey,
  openBundle,
  requestAad,
  signRequest,
  type ExchangeRequest,
  type SignedMemberAuthorization,
} from '../../src/exchange/index.js';
import { generateHpkeKey } from '../../src/node/wiring/datadir.js';
import type { Json, Member, RecordsNode } from '../records/fixture.js';

export const ORG_B = 'org-b';

export interface SecondOrg {
  orgId: string;
  admin: SigningKey;
  nodeKey: SigningKey;
  /** Registers a member of org-b (signed by org-b's admin). */
  registerMember(roles: string[], memberId?: string): Promise<Member>;
  /**
   * Sends an exchange request as org-b's node for `requester`, carrying
   * `authorization` (default: signed by `signer`, the requester's own key).
   * Returns the HTTP status, the error code if refused, and the disclosed resources.
   */
  exchange(options: {
    patient: string;
    requester: Member;
    signer?: SigningKey;
    authorization?: SignedMemberAuthorization;
    purpose?: ExchangeRequest['purpose'];
  }): Promise<{ status: number; code: string | undefined; field: string | undefined; resources: Json[] }>;
}

/** Admits org-b to `fx`'s network and returns a handle that acts as its node. */
export async function admitSecondOrg(fx: RecordsNode): Promise<SecondOrg> {
  const admin = generateSigningKey();
  const nodeKey = generateSigningKey();
  const hpke = generateHpkeKey();
  const payload = {
    orgId: ORG_B, name: 'Org B', adminKeys: [admin.keyId], nodeKeys: [nodeKey.keyId],
    hpkePublicKey: toBase64Url(hpke.publicKey), endpoint: 'http://127.0.0.1:1',
  };
  await fx.client.tx(fx.adminKey, 'governance', 'propose', { kind: 'admit-org', payload });
  const recipient = await importHpkePrivateKey(hpke.privateKey);
  let members = 0;
  return {
    orgId: ORG_B,
    admin,
    nodeKey,
    async registerMember(roles, memberId = `b${++members}-${toHex(randomBytes(3))}`) {
      const key = generateSigningKey();
      await fx.client.tx(admin, 'identity', 'register-member', { memberId, roles, keys: [key.keyId] });
      return { memberId, key };
    },
    async exchange({ patient, requester, signer, authorization, purpose = 'TREAT' }) {
      const who = { orgId: ORG_B, memberId: requester.memberId };
      const request: ExchangeRequest = {
        type: EXCHANGE_REQUEST_TYPE, network: fx.networkId, from: ORG_B, to: fx.orgId, requester: who, patient, purpose,
        requestId: 'xr-' + toHex(randomBytes(16)), time: new Date().toISOString(),
        authorization: authorization ?? authorizeExchange({ network: fx.networkId, requester: who, patient, purpose }, signer ?? requester.key),
      };
      const res = await fetch(`${fx.url}/exchange/v1/requests`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signRequest(request, nodeKey)),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as Json;
      if (res.status !== 200) return { status: res.status, code: body?.error?.code, field: body?.error?.field, resources: [] };
      const bytes = await openBundle(recipient, body, requestAad(request));
      const bundle = JSON.parse(Buffer.from(bytes).toString('utf8')) as { records: Array<{ plaintext: string }> };
      const resources = bundle.records.map((r) => JSON.parse(Buffer.from(r.plaintext, 'base64url').toString('utf8')) as Json);
      assert.ok(Array.isArray(resources));
      return { status: 200, code: undefined, field: undefined, resources };
    },
  };
}
