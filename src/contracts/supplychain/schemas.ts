// Argument schemas of the supplychain actions (checked by the executor before
// authorize runs; a failure is INVALID_ARGS). Every id is a hashed id or a
// commitment from ids.ts: a clear GTIN, serial, lot or SSCC does not match.
import { z } from 'zod';
import { DECOMMISSION_REASONS, ALERT_ANSWERS } from './keys.js';
import { digestSchema, idSchema, shipmentIdSchema } from './ids.js';

/** Packs per commissioning transaction: 1,000 entries of two 16-byte ids stay under the 64 KiB envelope limit. */
export const MAX_COMMISSION = 1000;
/** Objects per aggregation, shipment, decommissioning or status change. */
export const MAX_OBJECTS = 1000;
/** Children of one container over its life (a pallet of cases, a case of packs). */
export const MAX_CHILDREN = 5000;
export const MAX_ALERTS = 100;

export const orgIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/);

const uniqueIds = (max: number) =>
  z
    .array(idSchema)
    .min(1)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, 'an id is listed twice');

export const registerProductArgs = z.strictObject({ product: idSchema, data: digestSchema });

export const commissionArgs = z.strictObject({
  product: idSchema,
  /** [packId, lot-and-expiry commitment] per pack. */
  packs: z
    .array(z.tuple([idSchema, idSchema]))
    .min(1)
    .max(MAX_COMMISSION)
    .refine((packs) => new Set(packs.map(([id]) => id)).size === packs.length, 'a pack is listed twice'),
});

export const aggregateArgs = z.strictObject({ container: idSchema, children: uniqueIds(MAX_OBJECTS) });
/** Without `children`, the container is emptied. */
export const disaggregateArgs = z.strictObject({ container: idSchema, children: uniqueIds(MAX_OBJECTS).optional() });
export const shipArgs = z.strictObject({ to: orgIdSchema, objects: uniqueIds(MAX_OBJECTS), epcis: digestSchema.optional() });
export const receiveArgs = z.strictObject({ shipment: shipmentIdSchema });
export const decommissionArgs = z.strictObject({ packs: uniqueIds(MAX_OBJECTS), reason: z.enum(DECOMMISSION_REASONS) });
export const lotStatusArgs = z.strictObject({ product: idSchema, lot: idSchema, status: z.enum(['recalled', 'quarantined', 'released']) });
export const flagSuspectArgs = z.strictObject({ packs: uniqueIds(MAX_OBJECTS) });
export const resolveSuspectArgs = z.strictObject({ packs: uniqueIds(MAX_OBJECTS), outcome: z.enum(['cleared', 'illegitimate']) });
export const reportAlertsArgs = z.strictObject({
  alerts: z
    .array(z.strictObject({ product: idSchema, pack: idSchema.optional(), answer: z.enum(ALERT_ANSWERS) }))
    .min(1)
    .max(MAX_ALERTS),
});
