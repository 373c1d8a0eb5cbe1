// Finding 8 (issue 9): the vault key sat beside the data. A copied data
// directory (a stolen disk, a backup) held keys/kek, node.pem and admin.pem:
// it decrypted every record and signed as the node and the admin. Now the
// data directory holds only a keyring sealed under a key provider's secret.
// For the passphrase provider and a PKCS#11 token (SoftHSM2), this test
// initialises a node, writes a record, stops, copies the data directory
// alone, and shows: no private key or key bytes in any file of the copy, the
// keyring does not open and the node refuses to start without the secret
// (exact codes, also through `careledger start`), and with it the copy starts
// and reads the record back.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { buildServer } from '../../src/api/index.js';
import { loadSigningKey } from '../../src/node/wiring/datadir.js';
import { closeNode, initDevNetwork, openNode, openRecords, paths, unlockKeyring, type KeyProviderChoice, type UnlockSecrets } from '../../src/node/index.js';
import { openKeyringRaw, parseKeyring, passphraseWrapper, pkcs11Wrapper, type KeyWrapper } from '../../src/keys/index.js';
import { Kek } from '../../src/vault/index.js';
import { filesUnder, findLeaks, observation, patientResource, RecordsClient } from '../records/fixture.js';
import { runCli } from '../helpers/proc.js';
import { createSoftToken, softhsmSuiteSkip } from '../helpers/softhsm.js';

interface Provider {
  name: string;
  choice: KeyProviderChoice;
  unlock: UnlockSecrets;
  /** The provider's secret as a string (must appear nowhere in the copy). */
  secret: string;
  /** A wrapper holding the secret, to read the raw keys of `copy`'s keyring for the leak scan. */
  wrapper(copy: string): KeyWrapper;
  /** Unlock attempts without the right secret, each with its exact code and field. */
  refusals(copy: string): Array<{ what: string; run: () => unknown; code: string; field: string }>;
  /** What `careledger start` on the copy with no secret prints. */
  cliHint: string;
}

const codeOf = (fn: () => unknown): { code?: string | undefined; field?: string | undefined } => {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code?: string }).code, field: (e as { field?: string }).field };
  }
  return {};
};

/** A secret's bytes and their hex and base64/base64url forms (the middle of the encoding, alignment-free). */
function forms(name: string, raw: Uint8Array): Array<{ name: string; bytes: Buffer }> {
  const b = Buffer.from(raw);
  const out = [{ name: `${name} raw`, bytes: b }, { name: `${name} hex`, bytes: Buffer.from(b.toString('hex')) }];
  for (const enc of ['base64', 'base64url'] as const) {
    for (let k = 0; k < 3; k++) {
      const text = Buffer.concat([Buffer.alloc(k), b]).toString(enc).replace(/=+$/, '');
      out.push({ name: `${name} ${enc}@${k}`, bytes: Buffer.from(text.slice(k === 0 ? 0 : 4, text.length - 4)) });
    }
  }
  return out;
}

/** The records side of a node on a free loopback port, as `careledger start` wires it. */
async function serve(dataDir: string, unlock: UnlockSecrets): Promise<{ client: RecordsClient; nodeKeyId: string; close(): Promise<void> }> {
  const opened = openNode(dataDir, { verifyWorkers: 0, unlock });
  const probe = buildServer(opened.node, { logger: false }).app;
  await probe.listen({ host: '127.0.0.1', port: 0 });
  const port = (probe.server.address() as AddressInfo).port;
  await probe.close();
  const url = `http://127.0.0.1:${port}`;
  const records = await openRecords(dataDir, opened, url);
  const { app } = buildServer(opened.node, { logger: false, records, baseUrl: url });
  await app.listen({ host: '127.0.0.1', port });
  return {
    client: new RecordsClient(url, opened.config.networkId),
    nodeKeyId: opened.keys.nodeKey.keyId,
    async close() {
      await app.close();
      await records.close();
      await closeNode(opened);
    },
  };
}

async function copiedDisk(provider: Provider, root: string): Promise<void> {
  const dataDir = join(root, 'node');
  const offlineAdmin = join(root, 'offline', 'admin.pem');
  const marker = `COPIED-DISK-${randomBytes(9).toString('hex')}`;

  // init: the admin key goes where asked, outside the data directory.
  const init = await initDevNetwork(dataDir, { keyProvider: provider.choice, adminKeyOut: offlineAdmin });
  assert.equal(init.adminKeyFile, offlineAdmin);
  assert.equal(init.keyProvider, provider.choice.kind);
  assert.ok(relative(dataDir, init.adminKeyFile).startsWith('..'));

  // A record is written and read back.
  const admin = loadSigningKey(offlineAdmin);
  let node = await serve(dataDir, provider.unlock);
  let observationId: string;
  let drX;
  let patient;
  try {
    assert.equal(node.nodeKeyId, init.nodeKeyId);
    const c = node.client;
    drX = await c.registerMember(admin, ['practitioner'], 'dr-x');
    patient = await c.registerPatient(drX.key);
    await c.tx(patient.key, 'consent', 'grant', {
      patient: patient.pseudonym,
      grantee: { kind: 'practitioner', orgId: init.config.orgId, memberId: drX.memberId },
      provision: { type: 'permit', purposes: ['TREAT'] },
    });
    const token = await c.memberToken(drX.key);
    assert.equal((await c.fhir(token, 'PUT', `Patient/${patient.pseudonym}`, patientResource(patient.pseudonym))).status, 201);
    const created = await c.fhir(token, 'POST', 'Observation', { ...observation(patient.pseudonym, '8480-6', 120), note: [{ text: marker }] });
    assert.equal(created.status, 201, created.text);
    observationId = created.body.id as string;
  } finally {
    await node.close();
  }

  // The data directory alone is copied.
  const copy = join(root, 'copy');
  cpSync(dataDir, copy, { recursive: true });
  const files = filesUnder(copy);
  assert.deepEqual(
    files.filter((f) => /\.(pem|key)$|\/kek$/.test(f)).map((f) => relative(copy, f)),
    [],
    'no key file in the data directory',
  );
  assert.deepEqual(files.filter((f) => readFileSync(f).includes('PRIVATE KEY')).map((f) => relative(copy, f)), []);

  // No key in any form: node seed, HPKE secret, vault KEK, admin seed, the provider's secret, nor the record in clear.
  const raw = openKeyringRaw(parseKeyring(readFileSync(paths(copy).keyring, 'utf8')), provider.wrapper(copy));
  const adminDer = admin.privateKey.export({ format: 'der', type: 'pkcs8' });
  const secrets = [
    ...forms('node seed', raw.nodeSeed),
    ...forms('hpke secret', raw.hpkeSecret),
    ...forms('vault KEK', raw.kek),
    ...forms('admin seed', adminDer.subarray(adminDer.byteLength - 32)),
  ];
  const leaks = findLeaks(files, [marker, provider.secret]);
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const s of secrets) if (bytes.includes(s.bytes)) leaks.push(`${relative(copy, f)}: ${s.name}`);
  }
  assert.deepEqual(leaks, []);

  // The vault's wrapped data keys open under the sealed KEK only: not under any 32 bytes of the keyring file as stored.
  const db = new Database(join(copy, 'vault.sqlite'), { readonly: true, fileMustExist: true });
  const dek = db.prepare<[string], { iv: Buffer; wrapped: Buffer; key_version: number }>('SELECT iv, wrapped, key_version FROM vault_keys WHERE pseudonym = ?').get(patient.pseudonym);
  db.close();
  assert.ok(dek);
  assert.ok(Kek.fromBytes(raw.kek).unwrapDek(dek.iv, dek.wrapped, patient.pseudonym, dek.key_version), 'control: the sealed KEK opens it');
  const keyringBytes = readFileSync(paths(copy).keyring);
  for (let i = 0; i + 32 <= keyringBytes.byteLength; i++) {
    assert.equal(Kek.fromBytes(keyringBytes.subarray(i, i + 32)).unwrapDek(dek.iv, dek.wrapped, patient.pseudonym, dek.key_version), undefined);
  }
  raw.nodeSeed.fill(0);
  raw.hpkeSecret.fill(0);
  raw.kek.fill(0);

  // Without the secret the keyring does not open and the node does not start.
  for (const r of provider.refusals(copy)) assert.deepEqual(codeOf(r.run), { code: r.code, field: r.field }, r.what);
  assert.deepEqual(codeOf(() => openNode(copy, { verifyWorkers: 0 })), { code: 'UNAUTHENTICATED', field: provider.cliHint === 'CARELEDGER_PASSPHRASE' ? 'passphrase' : 'pin' });
  assert.equal(process.env['CARELEDGER_PASSPHRASE'] ?? process.env['CARELEDGER_PKCS11_PIN'], undefined, 'the child gets no secret');
  const cli = await runCli(['start', '--data-dir', copy, '--port', '0', '--log-level', 'silent'], 30_000);
  assert.equal(cli.code, 2, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /^careledger: UNAUTHENTICATED: the keyring is sealed/);
  assert.ok(cli.stderr.includes(provider.cliHint), cli.stderr);
  assert.equal(cli.stdout.includes('listening'), false);

  // With the secret the copy starts as the same node and reads the record back.
  node = await serve(copy, provider.unlock);
  try {
    assert.equal(node.nodeKeyId, init.nodeKeyId);
    const read = await node.client.fhir(await node.client.memberToken(drX.key), 'GET', `Observation/${observationId}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.note[0].text, marker);
  } finally {
    await node.close();
  }
}

const roots: string[] = [];
const tempRoot = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-copied-disk-'));
  roots.push(dir);
  return dir;
};
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('finding 8: a copied data directory decrypts nothing and signs nothing', { timeout: 240_000 }, () => {
  test('passphrase provider (scrypt)', async () => {
    const passphrase = `copied disk ${randomBytes(6).toString('hex')} passphrase`;
    const choice: KeyProviderChoice = { kind: 'passphrase', passphrase };
    await copiedDisk(
      {
        name: 'passphrase',
        choice,
        unlock: { passphrase },
        secret: passphrase,
        wrapper(copy) {
          const file = parseKeyring(readFileSync(paths(copy).keyring, 'utf8'));
          if (file.provider.kind !== 'passphrase') throw new Error('not a passphrase keyring');
          return passphraseWrapper(file.provider, passphrase);
        },
        refusals: (copy) => [
          { what: 'no passphrase', run: () => unlockKeyring(copy, {}), code: 'UNAUTHENTICATED', field: 'passphrase' },
          { what: 'a wrong passphrase', run: () => unlockKeyring(copy, { passphrase: `${passphrase}.` }), code: 'UNAUTHENTICATED', field: 'keyring' },
        ],
        cliHint: 'CARELEDGER_PASSPHRASE',
      },
      tempRoot(),
    );
  });

  const skip = softhsmSuiteSkip();
  test('PKCS#11 token (SoftHSM2)', { skip: skip ?? false }, async () => {
    const root = tempRoot();
    const token = createSoftToken(join(root, 'hsm'));
    const choice: KeyProviderChoice = { kind: 'pkcs11', module: token.module, tokenLabel: token.label, pin: token.pin };
    await copiedDisk(
      {
        name: 'pkcs11',
        choice,
        unlock: { pin: token.pin },
        secret: token.pin,
        wrapper: () => pkcs11Wrapper({ module: token.module, tokenLabel: token.label, pin: token.pin }),
        refusals: (copy) => [
          { what: 'no PIN', run: () => unlockKeyring(copy, {}), code: 'UNAUTHENTICATED', field: 'pin' },
          { what: 'a wrong PIN', run: () => unlockKeyring(copy, { pin: '0000-0000' }), code: 'UNAUTHENTICATED', field: 'pin' },
          {
            what: 'another machine: a token with the same label but without the key',
            run: () => {
              const conf = process.env['SOFTHSM2_CONF'];
              const other = createSoftToken(join(root, 'other-hsm'), token.label, token.pin);
              try {
                return unlockKeyring(copy, { pin: other.pin });
              } finally {
                process.env['SOFTHSM2_CONF'] = conf;
              }
            },
            code: 'NOT_FOUND',
            field: 'pkcs11Key',
          },
        ],
        cliHint: 'CARELEDGER_PKCS11_PIN',
      },
      root,
    );
  });
});
