// identity/rotate-key and revoke-key: replace or retire any registered key.
// Authority is authorizeKeyChange (authority.ts) for both.
import { z } from 'zod';
import { allow, defineAction, refuse, type ExecContext, type KeyRecord, type Refusal } from '../../ledger/contract.js';
import { authorizeKeyChange } from './authority.js';
import { keyIdSchema, shortTextSchema } from './ids.js';
import { getKey, getOrgView, putKey, revokeKey, updateOwnerKeys } from './records.js';

/** The active target key the signer may change, or a refusal (NOT_FOUND, CONFLICT, UNAUTHORIZED). */
function changeableKey(ctx: ExecContext, keyId: string): KeyRecord | Refusal {
  const target = getKey(ctx.state, keyId);
  if (target === undefined) return refuse('NOT_FOUND', 'no such key');
  const denied = authorizeKeyChange(ctx, keyId, target);
  if (denied !== undefined) return denied;
  return target.status === 'active' ? target : refuse('CONFLICT', 'key is already revoked');
}

const isKey = (v: KeyRecord | Refusal): v is KeyRecord => 'kind' in v;

/**
 * Signer: the old key, or per authorizeKeyChange. The old key is revoked; the
 * new key gets the same kind, org, owner and roles; the owner's key list
 * (org adminKeys/nodeKeys, member, patient or delegate keys) swaps old for new.
 */
export const rotateKey = defineAction({
  args: z
    .strictObject({ oldKeyId: keyIdSchema, newKeyId: keyIdSchema })
    .refine((a) => a.oldKeyId !== a.newKeyId, { message: 'new key equals old key', path: ['newKeyId'] }),
  authorize(ctx, args) {
    const target = changeableKey(ctx, args.oldKeyId);
    if (!isKey(target)) return target;
    return getKey(ctx.state, args.newKeyId) === undefined ? allow(target) : refuse('ALREADY_EXISTS', 'new key is already registered');
  },
  apply(ctx, args, target) {
    revokeKey(ctx.state, args.oldKeyId, ctx.height);
    // target is active, so it carries no revokedAt to copy.
    putKey(ctx.state, args.newKeyId, { ...target, status: 'active', since: ctx.height, rotatedFrom: args.oldKeyId });
    updateOwnerKeys(ctx.state, target, args.oldKeyId, args.newKeyId);
    ctx.emit('key-rotated', { oldKeyId: args.oldKeyId, newKeyId: args.newKeyId, kind: target.kind, owner: target.owner });
    return undefined;
  },
});

/** Active org-admin keys of an org, per the registry. */
function activeAdminKeys(ctx: ExecContext, orgId: string | null): string[] {
  const org = orgId === null ? undefined : getOrgView(ctx.state, orgId);
  return (org?.adminKeys ?? []).filter((k) => getKey(ctx.state, k)?.status === 'active');
}

/**
 * Signer: the key itself, or per authorizeKeyChange. The key is revoked and
 * dropped from its owner's key list. RULE_VIOLATION for the last active
 * org-admin key of an org.
 */
export const revokeKeyAction = defineAction({
  args: z.strictObject({ keyId: keyIdSchema, reason: shortTextSchema }),
  authorize(ctx, args) {
    const target = changeableKey(ctx, args.keyId);
    if (!isKey(target)) return target;
    if (target.kind === 'org-admin' && activeAdminKeys(ctx, target.org).every((k) => k === args.keyId)) {
      return refuse('RULE_VIOLATION', 'cannot revoke the last active admin key of an org');
    }
    return allow(target);
  },
  apply(ctx, args, target) {
    revokeKey(ctx.state, args.keyId, ctx.height);
    updateOwnerKeys(ctx.state, target, args.keyId, undefined);
    ctx.emit('key-revoked', { keyId: args.keyId, kind: target.kind, owner: target.owner, reason: args.reason });
    return undefined;
  },
});
