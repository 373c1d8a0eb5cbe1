// A consortium node's network settings, D/network.json, beside node.json:
// which orderer to use (etcd hosts), peers to catch up from, and the witness
// interval. Kept in its own file so restarts need no flags and node.json stays
// the single-node format. Read with a schema: the file is operator input.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CareLedgerError } from '../../errors/index.js';
import { writePrivateFile } from './datadir.js';

const urlList = z.array(z.string().url().refine((u) => /^https?:/.test(u), 'must be http(s)')).max(32);

export const networkConfigSchema = z.strictObject({
  orderer: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('solo') }),
    z.strictObject({
      kind: z.literal('etcd'),
      hosts: urlList.min(1),
      /** Mutual TLS to etcd: PEM files (absolute paths), docs/tls.md. */
      tls: z.strictObject({ caFile: z.string().min(1), certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    }),
  ]),
  /** Peer base URLs for catch-up, in addition to the endpoints in governance state. */
  peers: urlList.default([]),
  /** How often the witness fetches peers' checkpoints (ms). */
  witnessIntervalMs: z.number().int().min(50).max(600_000).default(1_000),
  /** How often this node prunes batches every live node applied (ms); 0 disables. */
  compactIntervalMs: z.number().int().min(0).max(86_400_000).default(0),
  /** The consortium's trust anchors: a PEM CA bundle file (relative to the data dir, or absolute); peers are then called over HTTPS checked against it only (docs/tls.md). */
  tlsCa: z.string().min(1).max(4096).optional(),
});
export type NetworkSettings = z.infer<typeof networkConfigSchema>;

export const networkConfigFile = (dataDir: string): string => join(dataDir, 'network.json');

/** The network settings, or undefined when the node runs on the embedded solo orderer. */
export function readNetworkConfig(dataDir: string): NetworkSettings | undefined {
  const file = networkConfigFile(dataDir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', `${file} is not JSON`, { cause });
  }
  const parsed = networkConfigSchema.safeParse(raw);
  if (!parsed.success) throw new CareLedgerError('MALFORMED', `${file} is invalid`, { field: parsed.error.issues[0]?.path.join('.') ?? 'network' });
  return parsed.data;
}

export function writeNetworkConfig(dataDir: string, settings: z.input<typeof networkConfigSchema>): NetworkSettings {
  const parsed = networkConfigSchema.parse(settings);
  writePrivateFile(networkConfigFile(dataDir), JSON.stringify(parsed, null, 2) + '\n');
  return parsed;
}

/** Splits a comma-separated host list (`--etcd a,b,c`). */
export function parseHostList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
