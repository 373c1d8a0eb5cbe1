// The node's keystore wiring: the keyring in D/keys, the development key file
// and the admin key outside D, refusals of keys placed inside D, legacy plain
// key files refused, and a warning that names the key file but not the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '../../crypto/index.js';
import { keyHome, paths } from './datadir.js';
import { createNodeKeyring, developmentKeyWarning, unlockKeyring, writeAdminKey } from './keystore.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

function withRoot(use: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'careledger-keystore-'));
  try {
    use(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void test('the development keyring: sealed in D/keys (0600), its key file in the sibling <D>-keys/, unlocked with no secret', () => {
  withRoot((root) => {
    const dir = join(root, 'node');
    const created = createNodeKeyring(dir, { kind: 'file' });
    assert.equal(created.provider, 'file');
    assert.equal(created.keyFile, join(root, 'node-keys', 'keyring.key'));
    assert.deepEqual(readdirSync(paths(dir).keys), ['keyring.sealed']);
    assert.equal(statSync(paths(dir).keyring).mode & 0o777, 0o600);
    assert.equal(statSync(keyHome(dir).keyFile).mode & 0o777, 0o600);
    const opened = unlockKeyring(dir);
    assert.equal(opened.nodeKey.keyId, created.nodeKey.keyId);
    assert.deepEqual(opened.hpkePublicKey, created.hpkePublicKey);
    const warning = developmentKeyWarning(opened) ?? '';
    assert.ok(warning.includes(keyHome(dir).keyFile));
    assert.ok(!warning.includes(readFileSync(keyHome(dir).keyFile, 'utf8').trim()));
    assert.equal(developmentKeyWarning({ provider: 'passphrase' }), undefined);
    // A second data directory beside it reuses the development key file; each keyring has its own keys.
    const again = createNodeKeyring(join(root, 'node2'), { kind: 'file', keyFile: keyHome(dir).keyFile });
    assert.notEqual(again.nodeKey.keyId, created.nodeKey.keyId);
  });
});

void test('keys inside the data directory are refused: the key file and the admin key (MALFORMED)', () => {
  withRoot((root) => {
    const dir = join(root, 'node');
    assert.equal(codeOf(() => createNodeKeyring(dir, { kind: 'file', keyFile: join(dir, 'keys', 'wrap.key') })), 'MALFORMED');
    assert.equal(codeOf(() => writeAdminKey(dir, generateSigningKey(), join(dir, 'admin.pem'))), 'MALFORMED');
  });
});

void test('the admin key: an explicit path is never overwritten; at the default path an older key is kept aside', () => {
  withRoot((root) => {
    const dir = join(root, 'node');
    const out = join(root, 'offline', 'admin.pem');
    assert.equal(writeAdminKey(dir, generateSigningKey(), out), out);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(codeOf(() => writeAdminKey(dir, generateSigningKey(), out)), 'ALREADY_EXISTS');
    const first = writeAdminKey(dir, generateSigningKey());
    assert.equal(first, keyHome(dir).adminKey);
    const before = readFileSync(first, 'utf8');
    writeAdminKey(dir, generateSigningKey());
    const kept = readdirSync(keyHome(dir).dir).filter((f) => f.startsWith('admin.pem.') && f.endsWith('.old'));
    assert.equal(kept.length, 1);
    assert.equal(readFileSync(join(keyHome(dir).dir, kept[0]!), 'utf8'), before);
    assert.notEqual(readFileSync(first, 'utf8'), before);
  });
});

void test('no keyring: NOT_FOUND; plain key files of an older version: CONFLICT', () => {
  withRoot((root) => {
    const dir = join(root, 'node');
    assert.equal(codeOf(() => unlockKeyring(dir)), 'NOT_FOUND');
    mkdirSync(paths(dir).keys, { recursive: true });
    writeFileSync(paths(dir).legacyNodeKey, '-----BEGIN PRIVATE KEY-----\n');
    assert.equal(codeOf(() => unlockKeyring(dir)), 'CONFLICT');
    assert.equal(existsSync(paths(dir).keyring), false);
  });
});
