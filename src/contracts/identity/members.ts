// identity/register-member, set-member-roles, deactivate-member: an org's
// admins manage the people and systems (members) acting for it.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type KeyRecord, type Refusal } from '../../ledger/contract.js';
import { activeSignerKey, isOrgAdmin } from './authority.js';
import { keyListSchema, memberIdSchema, shortTextSchema } from './ids.js';
import { rolesSchema } from './roles.js';
import { firstRegistered, getKey, getMember, putKey, putMember, revokeKey, type MemberRecord } from './records.js';

/** The signer's org if the signer is an org admin of it (see isOrgAdmin). */
function adminOrg(ctx: ExecContext): string | Refusal {
  const key = activeSignerKey(ctx);
  if (key === undefined || !isOrgAdmin(ctx.state, key, key.org) || key.org === null) {
    return refuse('UNAUTHORIZED', 'signer is not an org admin');
  }
  return key.org;
}

/** The active member of the signer's org named by args, or a refusal. */
function adminTarget(ctx: ExecContext, memberId: string): MemberRecord | Refusal {
  const orgId = adminOrg(ctx);
  if (typeof orgId !== 'string') return orgId;
  const member = getMember(ctx.state, orgId, memberId);
  if (member === undefined) return refuse('NOT_FOUND', `no member ${memberId} in ${orgId}`);
  if (member.status !== 'active') return refuse('CONFLICT', 'member is inactive');
  return member;
}

const isMember = (v: MemberRecord | Refusal): v is MemberRecord => 'memberId' in v;

/**
 * Signer: an org admin (org-admin key, or member key with role 'org-admin') of
 * an active org; the member joins the signer's org. ALREADY_EXISTS if the
 * member id is taken in that org or a key is registered anywhere.
 */
export const registerMember = defineAction({
  args: z.strictObject({
    memberId: memberIdSchema,
    roles: rolesSchema,
    licence: shortTextSchema.optional(),
    display: shortTextSchema.optional(),
    keys: keyListSchema,
  }),
  authorize(ctx, args) {
    const orgId = adminOrg(ctx);
    if (typeof orgId !== 'string') return orgId;
    if (getMember(ctx.state, orgId, args.memberId) !== undefined) return refuse('ALREADY_EXISTS', 'member exists');
    const taken = firstRegistered(ctx.state, args.keys);
    return taken === undefined ? allow({ orgId }) : refuse('ALREADY_EXISTS', `key ${taken} is already registered`);
  },
  apply(ctx, args, { orgId }) {
    const member: MemberRecord = {
      orgId,
      memberId: args.memberId,
      roles: [...args.roles],
      ...(args.licence === undefined ? {} : { licence: args.licence }),
      ...(args.display === undefined ? {} : { display: args.display }),
      keys: [...args.keys],
      status: 'active',
      since: ctx.height,
    };
    putMember(ctx.state, member);
    for (const k of args.keys) {
      putKey(ctx.state, k, { kind: 'member', org: orgId, owner: args.memberId, roles: [...args.roles], status: 'active', since: ctx.height });
    }
    ctx.emit('member-registered', { orgId, memberId: args.memberId, roles: [...args.roles] });
    return undefined;
  },
});

/** Signer: an org admin of the member's org. Replaces the roles on the member and on its active keys. */
export const setMemberRoles = defineAction({
  args: z.strictObject({ memberId: memberIdSchema, roles: rolesSchema }),
  authorize(ctx, args) {
    const member = adminTarget(ctx, args.memberId);
    return isMember(member) ? allow(member) : member;
  },
  apply(ctx, args, member) {
    putMember(ctx.state, { ...member, roles: [...args.roles] });
    for (const k of member.keys) {
      const record = getKey(ctx.state, k);
      if (record?.status === 'active') putKey(ctx.state, k, { ...record, roles: [...args.roles] } satisfies KeyRecord);
    }
    ctx.emit('member-roles-set', { orgId: member.orgId, memberId: member.memberId, roles: [...args.roles] });
    return undefined;
  },
});

/**
 * Signer: an org admin of the member's org. Status 'inactive' and every key of
 * the member revoked (the executor only sees key status). The key list is kept
 * as the record of which keys the member held.
 */
export const deactivateMember = defineAction({
  args: z.strictObject({ memberId: memberIdSchema, reason: shortTextSchema.optional() }),
  authorize(ctx, args) {
    const member = adminTarget(ctx, args.memberId);
    return isMember(member) ? allow(member) : member;
  },
  apply(ctx, _args, member) {
    putMember(ctx.state, { ...member, status: 'inactive' });
    for (const k of member.keys) revokeKey(ctx.state, k, ctx.height);
    ctx.emit('member-deactivated', { orgId: member.orgId, memberId: member.memberId });
    return undefined;
  },
});
