// The data directory of a node: its configuration file, its keys (PKCS#8 PEM,
// mode 0600) and its databases.
//   D/node.json          network id, organisation id, endpoint
//   D/keys/node.pem      node signing key (Ed25519): blocks' checkpoints, access events
//   D/keys/admin.pem     organisation admin key (Ed25519), dev networks only
//   D/keys/hpke.pem      X25519 key for HPKE exchange (RFC 9180)
//   D/ledger.sqlite      ledger store
import { createPublicKey, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fromBase64Url, generateSigningKey, generateX25519PrivateKey, signingKeyFromPem, signingKeyToPem, type SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../ledger/index.js';

export const nodeConfigSchema = z.strictObject({
  networkId: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  orgId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
  endpoint: z.string().url(),
  createdAt: z.string(),
});
export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export const paths = (dataDir: string) => ({
  config: join(dataDir, 'node.json'),
  keys: join(dataDir, 'keys'),
  nodeKey: join(dataDir, 'keys', 'node.pem'),
  adminKey: join(dataDir, 'keys', 'admin.pem'),
  hpkeKey: join(dataDir, 'keys', 'hpke.pem'),
  ledger: join(dataDir, 'ledger.sqlite'),
});

export function isInitialised(dataDir: string): boolean {
  return existsSync(paths(dataDir).config);
}

export function readNodeConfig(dataDir: string): NodeConfig {
  const file = paths(dataDir).config;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', `cannot read ${file}: run "careledger init --data-dir ${dataDir}"`, { cause });
  }
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new CareLedgerError('MALFORMED', `${file} is invalid`, { field: String(parsed.error.issues[0]?.path[0]) });
  return parsed.data;
}

/** Writes a file atomically (temp + rename) with owner-only permissions. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

export function writeNodeConfig(dataDir: string, config: NodeConfig): void {
  mkdirSync(dataDir, { recursive: true });
  writePrivateFile(paths(dataDir).config, JSON.stringify(config, null, 2) + '\n');
}

export function loadSigningKey(file: string): SigningKey {
  try {
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', `cannot load an Ed25519 PKCS#8 key from ${file}`, { cause });
  }
}

export interface HpkeKeyPair {
  privateKey: KeyObject;
  /** Raw 32-byte X25519 public key. */
  publicKey: Uint8Array;
}

export function generateHpkeKey(): HpkeKeyPair {
  const privateKey = generateX25519PrivateKey();
  return { privateKey, publicKey: x25519Raw(privateKey) };
}

export function loadHpkeKey(file: string): HpkeKeyPair {
  const privateKey = createPrivateKey({ key: readFileSync(file, 'utf8'), format: 'pem' });
  return { privateKey, publicKey: x25519Raw(privateKey) };
}

function x25519Raw(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const raw = fromBase64Url(String(jwk.x));
  if (!raw || raw.byteLength !== 32) throw new CareLedgerError('INTERNAL', 'not an X25519 key');
  return raw;
}

/** Creates an organisation node's keys in `dataDir/keys` (admin, node, HPKE; PKCS#8 PEM, mode 0600). */
export function createNodeKeys(dataDir: string): { admin: SigningKey; nodeKey: SigningKey; hpke: HpkeKeyPair } {
  const p = paths(dataDir);
  const admin = generateSigningKey();
  const nodeKey = generateSigningKey();
  const hpke = generateHpkeKey();
  writePrivateFile(p.adminKey, signingKeyToPem(admin));
  writePrivateFile(p.nodeKey, signingKeyToPem(nodeKey));
  writePrivateFile(p.hpkeKey, hpkeKeyToPem(hpke));
  return { admin, nodeKey, hpke };
}

export function hpkeKeyToPem(key: HpkeKeyPair): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
