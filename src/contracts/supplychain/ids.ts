// The supply chain's hashed identifiers and commitments (issue 12, item 6).
// GTINs, serials, lots, expiry dates and SSCCs never reach the ledger in
// clear; what does is one of these domain-separated SHA-256 / HMAC-SHA-256
// values, truncated to 16 bytes (128 bits: no collision in any plausible
// consortium, and about half the bytes per pack, so a thousand packs fit in
// one transaction). Whoever holds a pack (GTIN + serial in hand) can compute
// its key and commitments; nobody else can, as long as serials are
// randomised (DSCSA and EU FMD both require it). Clients compute these; the
// contract only checks their shape. Ids derived from a txId make shipment and
// alert ids deterministic, so every node and the client agree on them.
import { z } from 'zod';
import { hmacSha256, sha256, toBase64Url, toHex, utf8 } from '../../crypto/index.js';

export const PACK_DOMAIN = 'careledger.sc.pack/1\n';
export const PACK_SECRET_DOMAIN = 'careledger.sc.pack-secret/1\n';
export const LOT_EXPIRY_DOMAIN = 'careledger.sc.lot-expiry/1\n';
export const PRODUCT_DOMAIN = 'careledger.sc.product/1\n';
export const PRODUCT_DATA_DOMAIN = 'careledger.sc.product-data/1\n';
export const LOT_DOMAIN = 'careledger.sc.lot/1\n';
export const CONTAINER_DOMAIN = 'careledger.sc.sscc/1\n';
export const SHIPMENT_DOMAIN = 'careledger.sc.shipment/1\n';
export const ALERT_DOMAIN = 'careledger.sc.alert/1\n';

/** 16 bytes as base64url without padding. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** A full 32-byte digest as base64url without padding. */
export const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const SHIPMENT_ID_PATTERN = /^sh-[0-9a-f]{32}$/;
export const ALERT_ID_PATTERN = /^al-[0-9a-f]{32}$/;

export const idSchema = z.string().regex(ID_PATTERN, 'expected 16 bytes as base64url');
export const digestSchema = z.string().regex(DIGEST_PATTERN, 'expected 32 bytes as base64url');
export const shipmentIdSchema = z.string().regex(SHIPMENT_ID_PATTERN);

const short = (bytes: Uint8Array): string => toBase64Url(bytes.subarray(0, 16));
const hex16 = (bytes: Uint8Array): string => toHex(bytes.subarray(0, 16));

/** A pack's state key: SHA-256('careledger.sc.pack/1\n' GTIN '\n' serial), 16 bytes. */
export function packIdOf(gtin: string, serial: string): string {
  return short(sha256(utf8(`${PACK_DOMAIN}${gtin}\n${serial}`)));
}

/** The key only a holder of the pack can derive: it keys the pack's lot and expiry commitment. */
function packSecretOf(gtin: string, serial: string): Uint8Array {
  return sha256(utf8(`${PACK_SECRET_DOMAIN}${gtin}\n${serial}`));
}

/**
 * The pack's lot and expiry commitment: HMAC-SHA-256 keyed by the pack
 * secret (the serial is the salt, one per pack) over lot and expiry
 * (YYMMDD), 16 bytes. Packs of one lot share nothing a non-holder can link.
 */
export function lotExpiryCommitmentOf(gtin: string, serial: string, lot: string, expiry: string): string {
  return short(hmacSha256(packSecretOf(gtin, serial), utf8(`${LOT_EXPIRY_DOMAIN}${lot}\n${expiry}`)));
}

/** A product's state key: SHA-256('careledger.sc.product/1\n' GTIN), 16 bytes. */
export function productIdOf(gtin: string): string {
  return short(sha256(utf8(PRODUCT_DOMAIN + gtin)));
}

/** Commitment to a product's master data (canonical JSON bytes), keyed by its GTIN: 32 bytes. */
export function productDataCommitmentOf(gtin: string, canonicalMasterData: Uint8Array): string {
  return toBase64Url(hmacSha256(sha256(utf8(PRODUCT_DATA_DOMAIN + gtin)), canonicalMasterData));
}

/** A lot's state key (written only when a lot is recalled or quarantined): SHA-256 of GTIN and lot, 16 bytes. */
export function lotIdOf(gtin: string, lot: string): string {
  return short(sha256(utf8(`${LOT_DOMAIN}${gtin}\n${lot}`)));
}

/** A logistic unit's (case, pallet) state key from its SSCC, 16 bytes. */
export function containerIdOf(sscc: string): string {
  return short(sha256(utf8(CONTAINER_DOMAIN + sscc)));
}

/** 'sh-' + hex(first 16 bytes of SHA-256('careledger.sc.shipment/1\n' + txId)). */
export function shipmentIdForTx(txId: string): string {
  return 'sh-' + hex16(sha256(utf8(SHIPMENT_DOMAIN + txId)));
}

/** 'al-' + hex(first 16 bytes of SHA-256('careledger.sc.alert/1\n' + txId + '\n' + index)). */
export function alertIdForTx(txId: string, index: number): string {
  return 'al-' + hex16(sha256(utf8(`${ALERT_DOMAIN}${txId}\n${index}`)));
}
