// Identity and governance queries under /ledger/v1: organisations, members,
// keys, proposals and the network configuration; lists page with
// ?after=<key>&limit=. Who sees what (finding 3 of issue 9):
// - public: the network configuration, organisations (with their admin and
//   node keys and endpoints), proposals, and the key records of node and
//   org-admin keys: anyone verifying a checkpoint or a cosignature needs the
//   node keys and which organisation holds them, and governance is the
//   consortium's public constitution (no patient and no care in it);
// - ledger readers (ledger-access.ts): everything, including member lists;
// - a patient's registry entry: the patient, their delegates, members of the
//   custodian organisation and ledger readers; everyone else gets the same
//   404 as for an unknown pseudonym, so the route is no existence oracle;
// - member, patient and delegate key records: ledger readers, the key's own
//   organisation (member keys) or patient (patient and delegate keys); else
//   the 404 of an unknown key, so a key id never leads to its owner.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KEY_ID_PATTERN } from '../crypto/index.js';
import { type JsonValue } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { ledgerPortOf, type LedgerNode } from '../node/index.js';
import { viewerOf, type LedgerAccessOptions, type Viewer } from './ledger-access.js';
import { parseWith } from './ledger-routes.js';

const PUBLIC_KEY_KINDS = ['node', 'org-admin'];

/** Whether the viewer may see a patient's registry entry (custodian: the patient record's custodian org). */
function mayViewPatient(viewer: Viewer, pseudonym: string, custodian: JsonValue | undefined): boolean {
  if (viewer.kind === 'reader') return true;
  if (viewer.kind !== 'actor') return false;
  const a = viewer.actor;
  return a.kind === 'member' ? typeof custodian === 'string' && a.orgId === custodian : a.pseudonym === pseudonym;
}

/** Whether the viewer may see a key record. */
function mayViewKey(viewer: Viewer, record: { [k: string]: JsonValue }): boolean {
  if (viewer.kind === 'reader' || PUBLIC_KEY_KINDS.includes(String(record['kind']))) return true;
  if (viewer.kind !== 'actor') return false;
  const a = viewer.actor;
  if (a.kind === 'member') return record['kind'] === 'member' && record['org'] === a.orgId;
  return (record['kind'] === 'patient' && record['owner'] === a.pseudonym) || (record['kind'] === 'delegate' && record['patient'] === a.pseudonym);
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const pageQuery = z.object({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function registerRegistryRoutes(app: FastifyInstance, node: LedgerNode, access: LedgerAccessOptions = {}): void {
  const port = ledgerPortOf(node, node.orgId);
  const one = (namespace: string, key: string): { [k: string]: JsonValue } => {
    const value = port.state.get(namespace, key);
    if (value === undefined) throw new CareLedgerError('NOT_FOUND', `no such ${key.split('/')[0] ?? 'entry'}`);
    return value as { [k: string]: JsonValue };
  };
  const list = (namespace: string, prefix: string, query: unknown) => {
    const { after, limit } = parseWith(pageQuery, query, 'query');
    const rows = port.scan(namespace, prefix, limit, after === undefined ? '' : prefix + after);
    const items = rows.map((r) => r.value);
    const last = rows.at(-1);
    return { items, next: rows.length === limit && last ? last.key.slice(prefix.length) : null };
  };
  const param = (params: unknown, name: string, pattern: RegExp): string =>
    parseWith(z.strictObject({ [name]: z.string().regex(pattern) }), params, 'params')[name] as string;

  app.get('/ledger/v1/network', async () => one('network', 'config'));
  app.get('/ledger/v1/orgs', async (request) => list('governance', 'org/', request.query));
  app.get('/ledger/v1/orgs/:orgId', async (request) => {
    const orgId = param(request.params, 'orgId', ID);
    return one('governance', `org/${orgId}`);
  });
  app.get('/ledger/v1/orgs/:orgId/members', async (request) => {
    const orgId = param(request.params, 'orgId', ID);
    const viewer = await viewerOf(request, node, access);
    if (viewer.kind === 'anonymous') throw new CareLedgerError('UNAUTHENTICATED', 'member lists need ledger reader credentials');
    if (viewer.kind !== 'reader') throw new CareLedgerError('FORBIDDEN', 'member lists are for member nodes, auditors and org admins');
    return list('identity', `member/${orgId}/`, request.query);
  });
  app.get('/ledger/v1/keys/:keyId', async (request) => {
    const keyId = param(request.params, 'keyId', KEY_ID_PATTERN);
    const viewer = await viewerOf(request, node, access);
    const record = port.state.get('keys', keyId) as { [k: string]: JsonValue } | undefined;
    if (record === undefined || !mayViewKey(viewer, record)) throw new CareLedgerError('NOT_FOUND', 'no such key');
    return record;
  });
  app.get('/ledger/v1/proposals', async (request) => list('governance', 'proposal/', request.query));
  app.get('/ledger/v1/proposals/:proposalId', async (request) => {
    const proposalId = param(request.params, 'proposalId', ID);
    return one('governance', `proposal/${proposalId}`);
  });
  app.get('/ledger/v1/patients/:pseudonym', async (request) => {
    const pseudonym = param(request.params, 'pseudonym', ID);
    const viewer = await viewerOf(request, node, access);
    const record = port.state.get('identity', `patient/${pseudonym}`) as { [k: string]: JsonValue } | undefined;
    if (record === undefined || !mayViewPatient(viewer, pseudonym, record['custodian'])) throw new CareLedgerError('NOT_FOUND', 'no such patient');
    return record;
  });
}
