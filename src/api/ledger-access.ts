// Who is reading the ledger API (finding 3 of issue 9). Without credentials a
// caller gets only what verification needs (headers, hashes, checkpoints,
// proofs, leaf hashes, counts); full transactions, blocks and events go to
// ledger readers: a member organisation's node or a member auditor or admin,
// by a signed read (CareLedger-Sig, src/node/read-auth.ts) or by a bearer
// access token of a member whose roles include auditor or org-admin.
// Other authenticated callers (a patient, a practitioner) are actors: some
// routes (a patient's registry entry) answer them, the rest as anonymous.
// A credential that is present but fails is 401, never a silent downgrade.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../fhir/types.js';
import { CareLedgerError } from '../errors/index.js';
import { LEDGER_READER_ROLES, isLedgerReadHeader, verifyLedgerRead, type LedgerNode, type LedgerReader } from '../node/index.js';

export type Viewer = { kind: 'anonymous' } | { kind: 'reader'; reader: LedgerReader } | { kind: 'actor'; actor: Actor };

export interface LedgerAccessOptions {
  /** Bearer-token authentication (SMART access tokens), when the node serves the records side. */
  authenticate?: (authorization: string | undefined) => Promise<Actor>;
}

/** Resolves the viewer of a request; throws UNAUTHENTICATED for a credential that does not verify. */
export async function viewerOf(request: FastifyRequest, node: LedgerNode, options: LedgerAccessOptions): Promise<Viewer> {
  const authorization = request.headers.authorization;
  if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
  if (isLedgerReadHeader(authorization)) {
    return { kind: 'reader', reader: verifyLedgerRead(authorization, { method: request.method, path: request.url }, node.networkId, node.state) };
  }
  if (!options.authenticate) throw new CareLedgerError('UNAUTHENTICATED', 'this node accepts only signed reads (CareLedger-Sig)');
  const actor = await options.authenticate(authorization);
  if (actor.kind === 'member' && actor.roles.some((r) => LEDGER_READER_ROLES.includes(r))) {
    return { kind: 'reader', reader: { kind: 'member', orgId: actor.orgId, memberId: actor.memberId, keyId: actor.keyId, roles: actor.roles } };
  }
  return { kind: 'actor', actor };
}

export const isReader = (v: Viewer): v is { kind: 'reader'; reader: LedgerReader } => v.kind === 'reader';
