// The delegation model (ARCHITECTURE section 1.7): who appointed a delegate,
// with which powers and on which legal basis (constants and types in
// identity/keys.ts), and the schemas of its fields. Whether a delegation may
// act now is delegationStatus (identity/keys.ts).
import { z } from 'zod';
import { DELEGATE_POWERS, LEGAL_BASES } from './keys.js';

export { DELEGATE_POWERS, DEFAULT_POWERS, LEGAL_BASES, APPOINTING_ROLES, powersOf } from './keys.js';
export type { DelegatePower, LegalBasis, AppointingRole, Appointer, Appointment } from './keys.js';

export const powersSchema = z
  .array(z.enum(DELEGATE_POWERS))
  .min(1)
  .max(DELEGATE_POWERS.length)
  .refine((p) => new Set(p).size === p.length, 'a power is listed twice');
export const legalBasisSchema = z.enum(LEGAL_BASES);
