// Verification of scanned packs (issue 12, item 5; EU FMD, DSCSA VRS): one
// answer per pack from committed state, and every failed verification filed
// as an alert for the product's manufacturer before the answer returns. The
// answer names no other partner: not who holds the pack, not who shipped it.
import { alertIdForTx, lotExpiryCommitmentOf, lotIdOf, packIdOf, productIdOf, verdictOf, type VerifyAnswer } from '../contracts/supplychain/index.js';
import { expiryDate } from './gs1.js';
import { packScanOf, parseScanAt } from './identifiers.js';
import { submitActions, type SupplyContext } from './ledger.js';

export interface VerifyOutcome {
  answer: VerifyAnswer;
  /** Set when the failure was filed for the manufacturer. */
  alertId?: string;
}

interface Checked {
  answer: VerifyAnswer;
  manufacturer: string | undefined;
  product: string;
  pack: string;
}

function check(ctx: SupplyContext, scan: string, where: string, today: string): Checked {
  const pack = packScanOf(parseScanAt(scan, where), where);
  const packId = packIdOf(pack.gtin, pack.serial);
  const productId = productIdOf(pack.gtin);
  const both = pack.lot !== undefined && pack.expiry !== undefined;
  const verdict = verdictOf(ctx.ledger.state, {
    packId,
    productId,
    lotId: pack.lot === undefined ? undefined : lotIdOf(pack.gtin, pack.lot),
    commitment: both ? lotExpiryCommitmentOf(pack.gtin, pack.serial, pack.lot as string, pack.expiry as string) : undefined,
    expiry: pack.expiry === undefined ? undefined : expiryDate(pack.expiry, Number(today.slice(0, 4))),
    caller: ctx.orgId,
    today,
  });
  return { ...verdict, product: productId, pack: packId };
}

/**
 * Verifies each scan (GTIN and serial required; lot and expiry checked when
 * scanned, which a full DSCSA/FMD verification always does) and files the
 * failures with a known manufacturer as alerts, in one transaction.
 */
export async function verifyScans(ctx: SupplyContext, scans: readonly string[]): Promise<VerifyOutcome[]> {
  const today = ctx.ledger.now().slice(0, 10);
  const checked = scans.map((scan, i) => check(ctx, scan, scans.length === 1 ? 'scan' : `scans.${i}`, today));
  const failed = checked.filter((c) => c.answer !== 'verified' && c.manufacturer !== undefined);
  const outcomes: VerifyOutcome[] = checked.map((c) => ({ answer: c.answer }));
  if (failed.length === 0) return outcomes;
  const alerts = failed.map((c) => ({ product: c.product, pack: c.pack, answer: c.answer }));
  const [result] = await submitActions(ctx, [{ action: 'report-alerts', args: { alerts } }]);
  let k = 0;
  checked.forEach((c, i) => {
    if (c.answer !== 'verified' && c.manufacturer !== undefined) outcomes[i] = { answer: c.answer, alertId: alertIdForTx(result?.txId ?? '', k++) };
  });
  return outcomes;
}

/** Verifies one scanned pack. */
export async function verify(ctx: SupplyContext, scan: string): Promise<VerifyOutcome> {
  const [outcome] = await verifyScans(ctx, [scan]);
  return outcome as VerifyOutcome;
}
