// The data directory of a node: its configuration file, its SEALED keyring
// and its databases. No private key is stored here in the clear (docs/keys.md).
//   D/node.json            network id, organisation id, endpoint
//   D/keys/keyring.sealed  node signing key, HPKE key and vault KEK, sealed
//                          under the key provider's secret (src/keys)
//   D/ledger.sqlite        ledger store
// The organisation admin key and a development key file live OUTSIDE the
// data directory, by default in the sibling `<D>-keys/` (keyHome).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { fromBase64Url, generateX25519PrivateKey, signingKeyFromPem, type SigningKey } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';

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
  keyring: join(dataDir, 'keys', 'keyring.sealed'),
  ledger: join(dataDir, 'ledger.sqlite'),
  /** Plain key files of data directories created before the keyring; never written now. */
  legacyNodeKey: join(dataDir, 'keys', 'node.pem'),
});

/**
 * The default home of the keys that must not sit in the data directory: the
 * sibling `<D>-keys/` (for `./.careledger`, `./.careledger-keys/`), holding
 * the org admin key (`admin.pem`) and the development provider's key file
 * (`keyring.key`). Operators move the admin key offline (docs/keys.md).
 */
export function keyHome(dataDir: string): { dir: string; adminKey: string; keyFile: string } {
  const abs = resolve(dataDir);
  const dir = join(dirname(abs), `${basename(abs)}-keys`);
  return { dir, adminKey: join(dir, 'admin.pem'), keyFile: join(dir, 'keyring.key') };
}

export function isInitialised(dataDir: string): boolean {
  return existsSync(paths(dataDir).config);
}

/** Refuses a data directory that is initialised (ALREADY_EXISTS) or not empty (CONFLICT): init never overwrites. */
export function assertEmptyDataDir(dataDir: string): void {
  if (isInitialised(dataDir)) throw new CareLedgerError('ALREADY_EXISTS', `${dataDir} is already initialised`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new CareLedgerError('CONFLICT', `${dataDir} exists and is not empty; choose an empty or new directory`);
  }
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

function x25519Raw(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const raw = fromBase64Url(String(jwk.x));
  if (!raw || raw.byteLength !== 32) throw new CareLedgerError('INTERNAL', 'not an X25519 key');
  return raw;
}
