// The role catalogue of organisation members (ARCHITECTURE section 5, identity).
// Other contracts decide what a role may do; identity only records it.
import { z } from 'zod';

export const ROLES = [
  'practitioner',
  'privacy-officer',
  'pharmacist',
  'manufacturer',
  'distributor',
  'sponsor',
  'investigator',
  'auditor',
  'org-admin',
] as const;

export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES);

/** A non-empty set of roles, each listed once. */
export const rolesSchema = z
  .array(roleSchema)
  .min(1)
  .max(ROLES.length)
  .refine((r) => new Set(r).size === r.length, 'a role is listed twice');
