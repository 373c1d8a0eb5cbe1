// Request shapes of the supply-chain service, checked at the edge (the HTTP
// door and the CLI parse with these, then call the service). Identifiers
// arrive as scans (element string, bracketed form or Digital Link) or as
// GS1 fields, and are checked again by gs1.ts with errors naming the AI.
import { z } from 'zod';
import { DECOMMISSION_REASONS, MAX_OBJECTS } from '../contracts/supplychain/index.js';

/** Serials per commissioning request (split into transactions of MAX_COMMISSION). */
export const MAX_SERIALS_PER_REQUEST = 10_000;

const scan = z.string().min(1).max(512);
const scans = z.array(scan).min(1).max(MAX_OBJECTS);
const orgId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/);
const label = z.string().min(1).max(200).regex(/^\P{Cc}*$/u);

export const productInput = z.strictObject({
  gtin: z.string(),
  name: label,
  strength: label.optional(),
  form: label.optional(),
  ndc: z.string().regex(/^[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}$/).optional(),
});
export type ProductInput = z.infer<typeof productInput>;

export const commissionInput = z.strictObject({
  gtin: z.string(),
  lot: z.string(),
  expiry: z.string(),
  serials: z
    .array(z.string())
    .min(1)
    .max(MAX_SERIALS_PER_REQUEST)
    .refine((s) => new Set(s).size === s.length, 'a serial is listed twice'),
});
export type CommissionInput = z.infer<typeof commissionInput>;

export const aggregateInput = z.strictObject({ sscc: z.string(), children: scans });
export const disaggregateInput = z.strictObject({ sscc: z.string(), children: scans.optional() });
export const shipInput = z.strictObject({ to: orgId, objects: scans, epcis: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional() });
export const receiveInput = z.strictObject({ shipment: z.string().regex(/^sh-[0-9a-f]{32}$/) });
export const decommissionInput = z.strictObject({ scans, reason: z.enum(DECOMMISSION_REASONS) });
export const lotStatusInput = z.strictObject({ gtin: z.string(), lot: z.string(), status: z.enum(['recalled', 'quarantined', 'released']) });
export const suspectInput = z.strictObject({ scans });
export const resolveInput = z.strictObject({ scans, outcome: z.enum(['cleared', 'illegitimate']) });
export const verifyInput = z.strictObject({ scan });
export const pageInput = z.object({
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
