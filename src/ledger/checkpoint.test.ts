// C2SP tlog-checkpoint / signed-note: the exact text for a fixed RFC 8032
// key pins the format; the Go sumdb/note documentation example
// ("PeterNeumann", golang.org/x/mod/sumdb/note) checks the key hash and
// signature encoding against the reference implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, generateSigningKey, signBytes, signingKeyFromSeed, utf8 } from '../crypto/index.js';
import {
  addCosignature,
  formatCheckpointBody,
  noteKeyHash,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpointSignatures,
} from './checkpoint.js';
import { isCareLedgerError } from '../errors/index.js';

// RFC 8032 section 7.1 TEST 1 secret key.
const key = signingKeyFromSeed(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60') as Uint8Array);
const root8 = fromHex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328') as Uint8Array;
const EXPECTED =
  'careledger-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n' +
  '\u2014 ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo ' +
  '5P+JIlFdi1z4nZ27eMwUYhHWnB9AH2sms/F6WC24oNRN/0DH7+ZVFUl6ogK7oIwNBYLFVShpdudtcEAlSbE1SGW3UQg=\n';

const isMalformed = (e: unknown): boolean => isCareLedgerError(e) && e.code === 'MALFORMED';
const verifyText = (note: string, trusted: string[]): string[] => verifyCheckpointSignatures(parseCheckpoint(note), trusted);

void test('the note for a fixed key is pinned byte for byte', () => {
  const body = formatCheckpointBody({ origin: 'careledger-test', treeSize: 8, root: root8 });
  assert.equal(body, 'careledger-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n');
  assert.equal(signCheckpoint(body, key), EXPECTED);
  assert.deepEqual(verifyText(EXPECTED, [key.keyId]), [key.keyId]);
});

void test('key hash and signature encoding match the Go sumdb/note example', () => {
  const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
  const peter = signingKeyFromSeed(new Uint8Array(seed));
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  assert.equal(Buffer.from(noteKeyHash('PeterNeumann', peter.publicKey)).toString('hex'), 'c74f20a3');
  const encoded = Buffer.concat([noteKeyHash('PeterNeumann', peter.publicKey), signBytes(peter, utf8(text))]).toString('base64');
  assert.equal(encoded, 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=');
});

void test('format, sign, parse and verify round-trip', () => {
  const signer = generateSigningKey();
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9.\-/]{1,40}$/),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (origin, treeSize, root) => {
        const note = signCheckpoint(formatCheckpointBody({ origin, treeSize, root }), signer);
        const parsed = parseCheckpoint(note);
        assert.equal(parsed.origin, origin);
        assert.equal(parsed.treeSize, treeSize);
        assert.deepEqual(parsed.root, root);
        assert.equal(parsed.signatures.length, 1);
        assert.equal(parsed.signatures[0]?.keyName, signer.keyId);
        assert.deepEqual(verifyCheckpointSignatures(parsed, [signer.keyId]), [signer.keyId]);
      },
    ),
    { numRuns: 50 },
  );
});

void test('tampering with size, root, origin or a signature byte fails verification', () => {
  const tampered = [
    EXPECTED.replace('\n8\n', '\n9\n'),
    EXPECTED.replace('XcnaeacG', 'XcnaeacH'),
    EXPECTED.replace('careledger-test', 'careledger-prod'),
    EXPECTED.replace('5P+JIlFd', '5P+JIlFe'),
    EXPECTED.replace('SbE1SGW3UQg=', 'SbE1SGW3UQk='),
  ];
  for (const note of tampered) {
    assert.notEqual(note, EXPECTED);
    assert.deepEqual(verifyText(note, [key.keyId]), [], note);
  }
  // Untrusted signer, and a line whose key hash does not match its name, count for nothing.
  assert.deepEqual(verifyText(EXPECTED, [generateSigningKey().keyId]), []);
  assert.deepEqual(verifyText(EXPECTED.replace('5P+JIlFd', 'AAAAAAFd'), [key.keyId]), []);
  // Fields edited after parsing no longer match the signed body.
  assert.deepEqual(verifyCheckpointSignatures({ ...parseCheckpoint(EXPECTED), treeSize: 9 }, [key.keyId]), []);
});

void test('cosignatures by two keys both verify; unknown names are ignored', () => {
  const witness = generateSigningKey();
  const cosigned = addCosignature(EXPECTED, witness);
  assert.ok(cosigned.startsWith(EXPECTED));
  assert.equal(parseCheckpoint(cosigned).signatures.length, 2);
  assert.deepEqual(verifyText(cosigned, [key.keyId, witness.keyId]), [key.keyId, witness.keyId]);
  assert.deepEqual(verifyText(cosigned, [witness.keyId]), [witness.keyId]);
  assert.equal(addCosignature(cosigned, witness), cosigned);
  const foreign = `${cosigned}\u2014 example.com/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`;
  assert.deepEqual(verifyText(foreign, [key.keyId, witness.keyId, 'example.com/log']), [key.keyId, witness.keyId]);
  // A bad signature by a trusted key rejects the note (C2SP signed-note).
  const badWitness = cosigned.replace(/ (\S{8})(\S+)\n$/, (_, a: string, b: string) => ` ${a}${b.startsWith('A') ? 'B' : 'A'}${b.slice(1)}\n`);
  assert.deepEqual(verifyText(badWitness, [key.keyId, witness.keyId]), []);
  assert.deepEqual(verifyText(badWitness, [key.keyId]), [key.keyId]);
});

void test('malformed notes throw MALFORMED', () => {
  const [body, sigLine] = EXPECTED.split('\n\n') as [string, string];
  const cases: Record<string, string> = {
    empty: '',
    'no blank line': `${body}\n${sigLine}`,
    'no signatures': `${body}\n\n`,
    'extension line': `careledger-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\next\n\n${sigLine}`,
    'two lines': `careledger-test\n8\n\n${sigLine}`,
    'empty origin': EXPECTED.replace('careledger-test', ''),
    'leading zero': EXPECTED.replace('\n8\n', '\n08\n'),
    'signed size': EXPECTED.replace('\n8\n', '\n+8\n'),
    'decimal point': EXPECTED.replace('\n8\n', '\n8.0\n'),
    'hex size': EXPECTED.replace('\n8\n', '\n0x8\n'),
    'huge size': EXPECTED.replace('\n8\n', '\n9007199254740992\n'),
    'unpadded root': EXPECTED.replace('RgQyg=', 'RgQyg'),
    'base64url root': EXPECTED.replace('z+Nw7/Rg', 'z-Nw7_Rg'),
    'short root': EXPECTED.replace('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', 'AAAA'),
    'non-canonical root': EXPECTED.replace('RgQyg=', 'RgQyh='),
    'crlf': EXPECTED.replace('\n8\n', '\r\n8\n'),
    'hyphen dash': EXPECTED.replace('\u2014', '-'),
    'two spaces': EXPECTED.replace('\u2014 ', '\u2014  '),
    'no trailing newline': EXPECTED.slice(0, -1),
    'bad signature base64': EXPECTED.replace('5P+JIlFd', '5P+J IlFd'),
    'short signature': `${body}\n\n\u2014 ${key.keyId} AAAA\n`,
    'plus in key name': `${body}\n\n\u2014 a+b ${sigLine.split(' ')[2] ?? ''}`,
    'lone surrogate': EXPECTED.replace('careledger-test', 'careledger-\uD800'),
    'too many signatures': `${body}\n\n${sigLine.repeat(101)}`,
    'over 1 MiB': EXPECTED.replace('careledger-test', 'x'.repeat(1024 * 1024)),
  };
  for (const [name, note] of Object.entries(cases)) {
    assert.throws(() => parseCheckpoint(note), isMalformed, name);
  }
  assert.equal(parseCheckpoint(`${body}\n\n${sigLine.repeat(100)}`).signatures.length, 100);
  assert.throws(() => addCosignature(`${body}\n\n${sigLine.repeat(100)}`, generateSigningKey()), isMalformed);
  assert.throws(() => parseCheckpoint(undefined as unknown as string), isMalformed);
  for (const fields of [
    { origin: '', treeSize: 1, root: root8 },
    { origin: 'a\nb', treeSize: 1, root: root8 },
    { origin: 'a', treeSize: -1, root: root8 },
    { origin: 'a', treeSize: 1.5, root: root8 },
    { origin: 'a', treeSize: 1, root: root8.slice(1) },
  ]) {
    assert.throws(() => formatCheckpointBody(fields), isMalformed);
  }
  assert.throws(() => signCheckpoint('careledger-test\n8\n', key), isMalformed);
});

void test('the careledger-block extension line round-trips and is signed', () => {
  const hash = 'ab'.repeat(32);
  const body = formatCheckpointBody({ origin: 'careledger-test', treeSize: 8, root: root8, block: { height: 3, hash } });
  assert.equal(body, `careledger-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ncareledger-block 3 ${hash}\n`);
  const note = signCheckpoint(body, key);
  const parsed = parseCheckpoint(note);
  assert.deepEqual(parsed.block, { height: 3, hash });
  assert.deepEqual(verifyText(note, [key.keyId]), [key.keyId]);
  // The extension is covered by the signature: another block hash breaks it.
  assert.deepEqual(verifyText(note.replace(hash, 'cd'.repeat(32)), [key.keyId]), []);
  // Notes without the extension keep their exact form.
  assert.equal(parseCheckpoint(EXPECTED).block, undefined);
  const sigLine = EXPECTED.split('\n\n')[1] ?? '';
  const base = 'careledger-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n';
  for (const extension of [
    `careledger-block 3 ${hash.toUpperCase()}`,
    `careledger-block 03 ${hash}`,
    `careledger-block 3 ${hash.slice(2)}`,
    `careledger-block -1 ${hash}`,
    `careledger-block 3 ${hash} x`,
    `careledger-block 3 ${hash}\ncareledger-block 3 ${hash}`,
  ]) {
    assert.throws(() => parseCheckpoint(`${base}${extension}\n\n${sigLine}`), isMalformed, extension);
  }
  assert.throws(() => formatCheckpointBody({ origin: 'a', treeSize: 1, root: root8, block: { height: -1, hash } }), isMalformed);
  assert.throws(() => formatCheckpointBody({ origin: 'a', treeSize: 1, root: root8, block: { height: 1, hash: 'xyz' } }), isMalformed);
});
