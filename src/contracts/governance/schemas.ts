// Argument schemas of the governance actions. Everything here is checked by the
// executor before authorize runs; a failure is INVALID_ARGS.
import { z } from 'zod';
import { TRADING_ROLES } from '../trading-roles.js';
import { endpointSchema, hpkePublicKeySchema, keyIdSchema, orgIdSchema, tlsPinsSchema } from './ids.js';

const MAX_KEYS = 16;

export const policySchema = z.enum(['majority', 'unanimous']);
export const timeWindowMsSchema = z.number().int().min(1_000).max(86_400_000);

/** The organisation as proposed for admission or listed at genesis. */
export const orgInputSchema = z
  .strictObject({
    orgId: orgIdSchema,
    name: z.string().min(1).max(200),
    adminKeys: z.array(keyIdSchema).min(1).max(MAX_KEYS),
    nodeKeys: z.array(keyIdSchema).max(MAX_KEYS),
    hpkePublicKey: hpkePublicKeySchema,
    endpoint: endpointSchema,
    /** The node's TLS identity (SPKI pins); optional, docs/tls.md. */
    tlsPins: tlsPinsSchema.min(1).optional(),
  })
  .refine((o) => new Set([...o.adminKeys, ...o.nodeKeys]).size === o.adminKeys.length + o.nodeKeys.length, {
    message: 'a key is listed twice',
    path: ['adminKeys'],
  });
export type OrgInput = z.infer<typeof orgInputSchema>;

export const policiesPatchSchema = z.strictObject({
  admitOrg: policySchema.optional(),
  removeOrg: policySchema.optional(),
  changePolicy: policySchema.optional(),
});

export const genesisArgs = z
  .strictObject({
    networkId: z.string().min(1).max(63),
    orgs: z.array(orgInputSchema).min(1).max(64),
    timeWindowMs: timeWindowMsSchema.optional(),
    policies: policiesPatchSchema.optional(),
  })
  .superRefine((a, ctx) => {
    const orgIds = a.orgs.map((o) => o.orgId);
    if (new Set(orgIds).size !== orgIds.length) ctx.addIssue({ code: 'custom', message: 'an org is listed twice', path: ['orgs'] });
    const keys = a.orgs.flatMap((o) => [...o.adminKeys, ...o.nodeKeys]);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'a key is listed twice', path: ['orgs'] });
  });

export const changePolicyPayload = z
  .strictObject({ timeWindowMs: timeWindowMsSchema.optional(), policies: policiesPatchSchema.optional() })
  .refine((p) => p.timeWindowMs !== undefined || p.policies !== undefined, 'nothing to change');

export const tradingRolesPayload = z.strictObject({
  orgId: orgIdSchema,
  roles: z.array(z.enum(TRADING_ROLES)).max(TRADING_ROLES.length).refine((r) => new Set(r).size === r.length, 'a role is listed twice'),
});

export const proposeArgs = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('admit-org'), payload: orgInputSchema }),
  z.strictObject({ kind: z.literal('remove-org'), payload: z.strictObject({ orgId: orgIdSchema }) }),
  z.strictObject({ kind: z.literal('change-policy'), payload: changePolicyPayload }),
  // Supply chain (issue 12): admits an org to trading-partner roles; [] withdraws them all.
  z.strictObject({ kind: z.literal('set-trading-roles'), payload: tradingRolesPayload }),
]);
export type ProposeArgs = z.infer<typeof proposeArgs>;

export const updateOrgArgs = z
  .strictObject({ endpoint: endpointSchema.optional(), hpkePublicKey: hpkePublicKeySchema.optional(), tlsPins: tlsPinsSchema.optional() })
  .refine((a) => a.endpoint !== undefined || a.hpkePublicKey !== undefined || a.tlsPins !== undefined, 'nothing to change');
