// The value stored under one batch key in etcd (ARCHITECTURE section 3):
//   "CLB1" | u16 big-endian header length | header JSON | encodeBatch payload
// where the header is {"proposer": node id, "time": RFC 3339 UTC millis}.
// Decoding is defensive: anything under the prefix may have been written by
// another organisation's node or by hand, so a malformed value decodes to
// undefined and the orderer delivers it as an empty batch.
import { decodeBatch } from './codec.js';

const MAGIC = Uint8Array.of(0x43, 0x4c, 0x42, 0x31); // "CLB1"
const MAX_HEADER_BYTES = 1024;
const RFC3339_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PROPOSER = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BatchValueHeader {
  proposer: string;
  time: string;
}

export interface DecodedBatchValue extends BatchValueHeader {
  envelopes: Uint8Array[];
}

export function encodeBatchValue(header: BatchValueHeader, payload: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify({ proposer: header.proposer, time: header.time }), 'utf8');
  if (head.byteLength > MAX_HEADER_BYTES) throw new RangeError('batch header too large');
  const out = Buffer.allocUnsafe(MAGIC.byteLength + 2 + head.byteLength + payload.byteLength);
  out.set(MAGIC, 0);
  out.writeUInt16BE(head.byteLength, MAGIC.byteLength);
  out.set(head, MAGIC.byteLength + 2);
  out.set(payload, MAGIC.byteLength + 2 + head.byteLength);
  return out;
}

/** Returns undefined for anything that is not a well-formed batch value. */
export function decodeBatchValue(value: Uint8Array): DecodedBatchValue | undefined {
  const start = MAGIC.byteLength + 2;
  if (value.byteLength < start) return undefined;
  for (let i = 0; i < MAGIC.byteLength; i++) if (value[i] !== MAGIC[i]) return undefined;
  const headLength = (value[4]! << 8) | value[5]!;
  if (headLength > MAX_HEADER_BYTES || start + headLength > value.byteLength) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value.subarray(start, start + headLength)));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const { proposer, time } = header as Record<string, unknown>;
  if (typeof proposer !== 'string' || !PROPOSER.test(proposer)) return undefined;
  if (typeof time !== 'string' || !RFC3339_MILLIS.test(time) || !Number.isFinite(Date.parse(time))) return undefined;
  const envelopes = decodeBatch(value.subarray(start + headLength));
  return envelopes && { proposer, time, envelopes };
}
