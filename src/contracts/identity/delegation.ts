// The delegation model (ARCHITECTURE section 1.7): who appointed a delegate,
// with which powers and on which legal basis. Whether a delegation may act
// now is delegationStatus (status.ts).
import { z } from 'zod';
import type { JsonValue } from '../../ledger/contract.js';

/** What a delegation lets its holder do for the patient. */
export const DELEGATE_POWERS = ['read', 'manage-consent', 'manage-keys', 'erase'] as const;
export type DelegatePower = (typeof DELEGATE_POWERS)[number];
/** Powers of a delegation that does not name any. */
export const DEFAULT_POWERS: readonly DelegatePower[] = ['read', 'manage-consent'];

/** Legal grounds on which an organisation may appoint a delegate (a short code; the reference text says where it is documented). */
export const LEGAL_BASES = ['minor-parental-authority', 'court-appointed-guardian', 'healthcare-power-of-attorney', 'incapacity-next-of-kin'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The two roles of an organisation appointment: one person of each signs. */
export const APPOINTING_ROLES = ['org-admin', 'privacy-officer'] as const;
export type AppointingRole = (typeof APPOINTING_ROLES)[number];

export const powersSchema = z
  .array(z.enum(DELEGATE_POWERS))
  .min(1)
  .max(DELEGATE_POWERS.length)
  .refine((p) => new Set(p).size === p.length, 'a power is listed twice');
export const legalBasisSchema = z.enum(LEGAL_BASES);

/** One of the two people of an organisation appointment: the member, the key that signed and the role it signed in. */
export interface Appointer {
  [k: string]: JsonValue;
  memberId: string;
  keyId: string;
  role: AppointingRole;
}

/** Who appointed a delegate: the patient (its own key), or an organisation (two people and a legal basis). */
export type Appointment =
  | { [k: string]: JsonValue; by: 'patient'; keyId: string; at: string }
  | {
      [k: string]: JsonValue;
      by: 'org';
      orgId: string;
      legalBasis: LegalBasis;
      /** Where the basis is documented (a court order number, a file reference); never health data. */
      reference: string;
      proposedBy: Appointer;
      proposedAt: string;
      approvedBy?: Appointer;
      approvedAt?: string;
    };

/** The powers a stored `powers` field grants (DEFAULT_POWERS if absent); unknown entries are ignored. */
export function powersOf(powers: JsonValue | undefined): DelegatePower[] {
  if (!Array.isArray(powers)) return [...DEFAULT_POWERS];
  return DELEGATE_POWERS.filter((power) => powers.includes(power));
}
