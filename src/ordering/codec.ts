// Batch payload encoding shared by orderers: a sequence of
// [u32 big-endian length][envelope bytes]. Decoding is defensive: the payload
// may come from another organisation's node through the ordering service.

export const MAX_BATCH_ENVELOPES = 4096;

export function encodeBatch(envelopes: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of envelopes) total += 4 + e.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of envelopes) {
    view.setUint32(at, e.byteLength);
    out.set(e, at + 4);
    at += 4 + e.byteLength;
  }
  return out;
}

/** Decodes a payload; returns undefined if it is not a well-formed batch. */
export function decodeBatch(payload: Uint8Array): Uint8Array[] | undefined {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < payload.byteLength) {
    if (at + 4 > payload.byteLength || out.length >= MAX_BATCH_ENVELOPES) return undefined;
    const len = view.getUint32(at);
    if (at + 4 + len > payload.byteLength) return undefined;
    out.push(payload.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}
