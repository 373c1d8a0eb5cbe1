// Identity and governance queries under /ledger/v1: organisations, members,
// keys, proposals and the network configuration. State here is consortium
// metadata (no health data); lists page with ?after=<key>&limit=.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KEY_ID_PATTERN } from '../crypto/index.js';
import { CareLedgerError } from '../ledger/index.js';
import type { LedgerNode } from '../node/index.js';
import { parseWith } from './ledger-routes.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const pageQuery = z.object({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function registerRegistryRoutes(app: FastifyInstance, node: LedgerNode): void {
  const one = (namespace: string, key: string): unknown => {
    const text = node.store.getState(namespace, key);
    if (text === undefined) throw new CareLedgerError('NOT_FOUND', `no such ${key.split('/')[0] ?? 'entry'}`);
    return JSON.parse(text) as unknown;
  };
  const list = (namespace: string, prefix: string, query: unknown) => {
    const { after, limit } = parseWith(pageQuery, query, 'query');
    const rows = node.store.scanState(namespace, prefix, limit, after === undefined ? '' : prefix + after);
    const items = rows.map((r) => JSON.parse(r.value) as unknown);
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
    return list('identity', `member/${orgId}/`, request.query);
  });
  app.get('/ledger/v1/keys/:keyId', async (request) => {
    const keyId = param(request.params, 'keyId', KEY_ID_PATTERN);
    return one('keys', keyId);
  });
  app.get('/ledger/v1/proposals', async (request) => list('governance', 'proposal/', request.query));
  app.get('/ledger/v1/proposals/:proposalId', async (request) => {
    const proposalId = param(request.params, 'proposalId', ID);
    return one('governance', `proposal/${proposalId}`);
  });
  app.get('/ledger/v1/patients/:pseudonym', async (request) => {
    const pseudonym = param(request.params, 'pseudonym', ID);
    return one('identity', `patient/${pseudonym}`);
  });
}
