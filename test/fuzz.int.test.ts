// Acceptance (ledger-core): "Bad input never yields a 500 or a partial write."
// A real node on a temp data dir, driven in-process with fastify inject by
// more than 10,000 generated bad envelopes (fast-check):
//   - unparseable (random JSON, one mutated field, bytes, media type, size,
//     nesting thousands deep):
//     refused at submit with a 4xx and a code, the ledger unchanged;
//   - well-formed but invalid: what no registered key vouches for (a bad
//     signature, an unknown or revoked signer, and a self-enrolment that is
//     stale, for another network or off its schema) is refused at the edge
//     with its code and nothing stored (issue 9, finding 5); what a
//     registered signer sends (replay, stale time, wrong network, unknown
//     contract/action, invalid args, unauthorised role), mixed with valid
//     ones in arrays of up to 200 with ?wait=commit: 200 with the exact result
//     code for every position.
// At the end the committed result codes match the tally sent exactly (OK =
// the valid ones) and `careledger verify` passes.
// The FHIR door gets the same treatment for hostile bodies: nesting deeper
// than 64, invalid UTF-8 bytes and lone-surrogate escapes are each a 400
// OperationOutcome and store nothing.
// Set FUZZ_SEED to replay a run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/index.js';
import { fromBase64Url, generateSigningKey, publicKeyFromKeyId, toBase64Url, type SigningKey } from '../src/crypto/index.js';
import {
  RFC3339_MILLIS,
  parseEnvelope,
  signTx,
  type Envelope,
} from '../src/ledger/index.js';
import {
  isCareLedgerError,
  type ResultCode,
} from '../src/errors/index.js';
import { closeNode, defaultRegistry, initDevNetwork, loadSigningKey, openNode, type OpenedNode } from '../src/node/index.js';
import { ROLES } from '../src/contracts/identity/index.js';
import { arrayBody, keyRevocation, memberRegistration, sealTx, selfEnrolment, signed, type SignedTx } from './helpers/load.js';
import { makeTempDir, removeDir, runCli } from './helpers/proc.js';
import { observation, startRecordsNode } from './records/fixture.js';
import { verifyDataDir } from './helpers/load.js';

const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const seedOption = SEED === undefined ? {} : { seed: SEED };

/** Envelopes per family; the total of bad ones must reach MIN_BAD. */
const RUNS = { randomJson: 1200, shapedJson: 400, mutated: 2400, bytes: 1500, mediaType: 200, batches: 30 };
const MIN_BAD = 10_000;
const REFUSAL_CODES = new Set(['MALFORMED', 'TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'BAD_SIGNATURE', 'UNKNOWN_SIGNER', 'REVOKED_SIGNER', 'WRONG_NETWORK', 'INVALID_ARGS', 'STALE_TIME']);
/** HTTP status of each refusal code (src/ledger/codes.ts). */
const REFUSAL_STATUS: Record<string, number> = { BAD_SIGNATURE: 400, UNKNOWN_SIGNER: 403, REVOKED_SIGNER: 403, WRONG_NETWORK: 400, INVALID_ARGS: 400, STALE_TIME: 400 };
const NAME = /^[a-z][a-zA-Z0-9_.-]{0,63}$/;
const NETWORK = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const MAX_BODY = 8 * 1024 * 1024;
const SUBMIT = '/ledger/v1/transactions?wait=commit';

type Refusal = 'MALFORMED' | 'TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BAD_SIGNATURE' | 'UNKNOWN_SIGNER' | 'REVOKED_SIGNER' | 'WRONG_NETWORK' | 'INVALID_ARGS' | 'STALE_TIME';

interface Reply {
  status: number;
  body: unknown;
}

interface World {
  app: FastifyInstance;
  opened: OpenedNode;
  dataDir: string;
  network: string;
  admin: SigningKey;
  /** A registered member with role practitioner only. */
  practitioner: SigningKey;
  /** A registered member key that has been revoked. */
  revoked: SigningKey;
  /** Keys never registered (unknown signers, bad signatures): nothing they sign is ever stored. */
  pool: SigningKey[];
  /** Result codes the ledger must hold at the end, counted as sent. */
  tally: Map<string, number>;
  valid: number;
  bad: number;
  /** Committed signature-valid envelopes to replay, with the code a replay gets. */
  replayable: Array<{ text: string; txId: string; replayCode: ResultCode }>;
  members: number;
  closed: boolean;
}

function count(world: World, code: string, n = 1): void {
  world.tally.set(code, (world.tally.get(code) ?? 0) + n);
}

/** POSTs a body; contentType null sends none. */
async function post(world: World, payload: string | Buffer, contentType: string | null = 'application/json'): Promise<Reply> {
  const res = await world.app.inject({
    method: 'POST',
    url: SUBMIT,
    payload,
    ...(contentType === null ? {} : { headers: { 'content-type': contentType } }),
  });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body };
}

function snapshot(world: World): { height: number; txs: number } {
  return { height: world.opened.node.head.height, txs: world.opened.store.txCount() };
}

function errorCode(body: unknown): unknown {
  return (body as { error?: { code?: unknown } } | undefined)?.error?.code;
}

/** Sends input that cannot be parsed: a 4xx with the code, and nothing written. */
async function expectRefused(world: World, payload: string | Buffer, expected: Refusal, label: string, contentType: string | null = 'application/json') {
  const before = snapshot(world);
  const reply = await post(world, payload, contentType);
  const what = `${label}: ${JSON.stringify(reply.body).slice(0, 300)}`;
  assert.notEqual(reply.status, 500, what);
  assert.ok(reply.status >= 400 && reply.status < 500, `expected a 4xx, got ${reply.status} for ${what}`);
  if (REFUSAL_STATUS[expected] !== undefined) assert.equal(reply.status, REFUSAL_STATUS[expected], what);
  const code = errorCode(reply.body);
  assert.ok(REFUSAL_CODES.has(String(code)), `refusal code ${String(code)} for ${what}`);
  assert.equal(code, expected, what);
  assert.deepEqual(snapshot(world), before, `ledger changed after a refused request (${label})`);
  world.bad++;
}

/** What the API must answer for bytes, decided by parsing them as the node would. */
function classifyBytes(bytes: Buffer): { refused: Refusal } | { ordered: Envelope } {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { refused: 'MALFORMED' };
  }
  if (text.includes('"__proto__"')) return { refused: 'MALFORMED' };
  try {
    return { ordered: parseEnvelope(value).envelope };
  } catch (e) {
    if (isCareLedgerError(e) && (e.code === 'MALFORMED' || e.code === 'TOO_LARGE')) return { refused: e.code };
    throw e;
  }
}

// ---------------------------------------------------------------- arbitraries

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same base64url text with stray low bits set in its last character (non-canonical). */
function nonCanonical(text: string, strayBits: number, r: number): string {
  const last = B64_ALPHABET.indexOf(text.at(-1) ?? 'A');
  const mask = (1 << strayBits) - 1;
  const stray = 1 + (r % mask);
  return text.slice(0, -1) + B64_ALPHABET[(last & ~mask) | stray];
}

const FIELDS = ['tx', 'sig', 'tx.type', 'tx.network', 'tx.contract', 'tx.action', 'tx.args', 'tx.signer', 'tx.nonce', 'tx.time'] as const;
type Field = (typeof FIELDS)[number];

const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const nonObject = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(fc.integer(), { maxLength: 3 }));

const badBase64 = fc.record({
  variant: fc.constantFrom('bad-char', 'padding', 'non-canonical', 'length-mod-4', 'empty', 'random', 'std-alphabet'),
  pos: fc.nat(),
  r: fc.nat(),
  junk: fc.string({ maxLength: 90 }),
});

const badTime = fc
  .tuple(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }), fc.nat(9), fc.string())
  .map(([d, variant, junk]) => {
    const iso = d.toISOString();
    switch (variant) {
      case 0: return iso.replace(/\.\d{3}Z$/, 'Z');
      case 1: return iso.replace('Z', '+00:00');
      case 2: return iso.toLowerCase();
      case 3: return iso.replace('T', ' ');
      case 4: return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
      case 5: return iso.replace(/\.(\d)\d\dZ$/, '.$1Z');
      case 6: return String(d.getTime());
      case 7: return iso.replace(/^(\d{4})-\d{2}/, '$1-13');
      case 8: return iso.replace(/T\d{2}/, 'T25');
      default: return junk;
    }
  })
  .filter((s) => !(RFC3339_MILLIS.test(s) && !Number.isNaN(Date.parse(s))));

const badKeyId = fc
  .oneof(
    fc.integer({ min: 0, max: 64 }).filter((n) => n !== 32).map((n) => `ed25519:${toBase64Url(randomBytes(n))}`),
    fc.constantFrom('ed448:', 'ED25519:', 'ed25519-', '', 'ed25519:ed25519:', 'x25519:').map((p) => p + toBase64Url(randomBytes(32))),
    fc.constant(0).map(() => `ed25519:${toBase64Url(randomBytes(32))}=`),
    fc.constant(0).map(() => `ed25519:${toBase64Url(randomBytes(32)).replace(/.$/, '+')}`),
    fc.string({ maxLength: 60 }),
    // Matches the pattern but is not canonical base64url: refused at submit too.
    fc.nat().map((r) => nonCanonical(`ed25519:${toBase64Url(randomBytes(32))}`, 2, r)),
  )
  .filter((s) => publicKeyFromKeyId(s) === undefined);

const badName = fc
  .oneof(
    fc.constantFrom('', 'Identity', '1identity', 'identity/register', 'register member', '__proto__', 'a'.repeat(65), 'ïdentity', '-x'),
    fc.string({ maxLength: 70 }),
  )
  .filter((s) => !NAME.test(s));

const badNetwork = fc
  .oneof(fc.constantFrom('', 'Careledger-dev', '-net', 'net_1', 'a'.repeat(64), 'careledger dev'), fc.string({ maxLength: 70 }))
  .filter((s) => !NETWORK.test(s));

type Mutation =
  | { kind: 'wrong-type'; field: Field; value: unknown }
  | { kind: 'missing'; field: Field }
  | { kind: 'extra-key'; at: 'envelope' | 'tx'; key: string; value: unknown }
  | { kind: 'bad-base64'; field: 'sig' | 'tx.nonce'; how: { variant: string; pos: number; r: number; junk: string } }
  | { kind: 'bad-key-id'; value: string }
  | { kind: 'bad-time'; value: string }
  | { kind: 'bad-name'; field: 'tx.contract' | 'tx.action'; value: string }
  | { kind: 'bad-network'; value: string }
  | { kind: 'bad-type'; value: string }
  | { kind: 'nonce-length'; bytes: number }
  | { kind: 'sig-length'; bytes: number }
  | { kind: 'huge-args'; extra: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...FIELDS).chain((field) =>
      (field === 'tx.args' || field === 'tx' ? nonObject : nonString).map((value): Mutation => ({ kind: 'wrong-type', field, value })),
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...FIELDS).map((field): Mutation => ({ kind: 'missing', field })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        at: fc.constantFrom('envelope' as const, 'tx' as const),
        key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'txId', 'signature')),
        value: fc.jsonValue({ maxDepth: 2 }),
      })
      .filter((m) => !['tx', 'sig', 'type', 'network', 'contract', 'action', 'args', 'signer', 'nonce', 'time'].includes(m.key))
      .map((m): Mutation => ({ kind: 'extra-key', ...m })),
  },
  { weight: 3, arbitrary: fc.record({ field: fc.constantFrom('sig' as const, 'tx.nonce' as const), how: badBase64 }).map((m): Mutation => ({ kind: 'bad-base64', ...m })) },
  { weight: 2, arbitrary: badKeyId.map((value): Mutation => ({ kind: 'bad-key-id', value })) },
  { weight: 2, arbitrary: badTime.map((value): Mutation => ({ kind: 'bad-time', value })) },
  { weight: 1, arbitrary: fc.record({ field: fc.constantFrom('tx.contract' as const, 'tx.action' as const), value: badName }).map((m): Mutation => ({ kind: 'bad-name', ...m })) },
  { weight: 1, arbitrary: badNetwork.map((value): Mutation => ({ kind: 'bad-network', value })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).filter((s) => s !== 'careledger.tx/1').map((value): Mutation => ({ kind: 'bad-type', value })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 48 }).filter((n) => n !== 16).map((bytes): Mutation => ({ kind: 'nonce-length', bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 130 }).filter((n) => n !== 64).map((bytes): Mutation => ({ kind: 'sig-length', bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4096 }).map((extra): Mutation => ({ kind: 'huge-args', extra })) },
);

type Json = Record<string, unknown>;

function setOwn(target: Json, key: string, value: unknown): void {
  // defineProperty, so that "__proto__" becomes an own key that JSON.stringify writes.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutateBase64(value: string, how: { variant: string; pos: number; r: number; junk: string }, bytes: number): string {
  const at = how.pos % value.length;
  switch (how.variant) {
    case 'bad-char': return value.slice(0, at) + ' +/=.!~%é'[how.r % 9] + value.slice(at + 1);
    case 'padding': return value + (how.r % 2 === 0 ? '=' : '==');
    // 64 and 16 bytes both leave 4 stray bits in the last character.
    case 'non-canonical': return nonCanonical(value, 4, how.r);
    case 'length-mod-4': return value + 'A'.repeat((1 - (value.length % 4) + 4) % 4 || 4);
    case 'empty': return '';
    case 'std-alphabet': return Buffer.from(value, 'base64url').toString('base64');
    default: return fromBase64Url(how.junk)?.byteLength === bytes ? `${how.junk}!` : how.junk;
  }
}

/** Applies a mutation to a fresh signed envelope; returns the JSON body and the refusal expected. */
function applyMutation(m: Mutation, world: World, key: SigningKey): { body: unknown; expected: Refusal } {
  const base = signTx({ network: world.network, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId] } }, key);
  const env = JSON.parse(JSON.stringify(base)) as { tx: Json; sig: unknown } & Json;
  const place = (field: Field): [Json, string] => (field.startsWith('tx.') ? [env.tx, field.slice(3)] : [env, field]);
  switch (m.kind) {
    case 'wrong-type': {
      const [obj, k] = place(m.field);
      obj[k] = m.value;
      break;
    }
    case 'missing': {
      const [obj, k] = place(m.field);
      delete obj[k];
      break;
    }
    case 'extra-key':
      setOwn(m.at === 'envelope' ? env : env.tx, m.key, m.value);
      break;
    case 'bad-base64':
      if (m.field === 'sig') env.sig = mutateBase64(String(env.sig), m.how, 64);
      else env.tx['nonce'] = mutateBase64(String(env.tx['nonce']), m.how, 16);
      break;
    case 'bad-key-id':
      env.tx['signer'] = m.value;
      break;
    case 'bad-time':
      env.tx['time'] = m.value;
      break;
    case 'bad-name':
      env.tx[m.field.slice(3)] = m.value;
      break;
    case 'bad-network':
      env.tx['network'] = m.value;
      break;
    case 'bad-type':
      env.tx['type'] = m.value;
      break;
    case 'nonce-length':
      env.tx['nonce'] = toBase64Url(randomBytes(m.bytes));
      break;
    case 'sig-length':
      env.sig = toBase64Url(randomBytes(m.bytes));
      break;
    case 'huge-args': {
      const big = signTx(
        { network: world.network, contract: 'identity', action: 'register-patient', args: { keys: [key.keyId], pad: 'x'.repeat(64 * 1024 + m.extra) } },
        key,
      );
      return { body: big, expected: 'TOO_LARGE' };
    }
  }
  return { body: env, expected: 'MALFORMED' };
}

// The well-formed families: each builds one envelope and the code its block must give it.
const FAMILIES = [
  'valid-patient',
  'valid-member',
  'bad-signature',
  'unknown-signer',
  'revoked-signer',
  'replay',
  'stale-time',
  'wrong-network',
  'unknown-contract',
  'unknown-action',
  'invalid-args',
  'unauthorised',
] as const;
type Family = (typeof FAMILIES)[number];

interface Spec {
  family: Family;
  variant: number;
  pick: number;
  offsetMinutes: number;
  name: string;
  network: string;
  junk: Record<string, unknown>;
  roles: string[];
}

const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'prototype', 'toLocaleString'];
const junkValue = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
const specArb: fc.Arbitrary<Spec> = fc.record({
  family: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Family>('valid-patient', 'valid-member') },
    { weight: 20, arbitrary: fc.constantFrom<Family>(...FAMILIES.slice(2)) },
  ),
  variant: fc.nat(99),
  pick: fc.nat(),
  offsetMinutes: fc.oneof(fc.integer({ min: 6, max: 60 * 24 * 365 }), fc.integer({ min: -60 * 24 * 365, max: -6 })),
  name: fc.oneof(fc.stringMatching(/^[a-z][a-zA-Z0-9_.-]{0,20}$/), fc.constantFrom(...PROTOTYPE_NAMES)),
  network: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
  junk: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'constructor'), junkValue, { maxKeys: 4 }),
  roles: fc.subarray([...ROLES], { minLength: 1 }),
});

interface Built {
  tx: SignedTx;
  /** The result code in its block, or for `refused` the code of the edge refusal. */
  expected: ResultCode;
  /** Refused at the edge (nothing stored) rather than ordered. */
  refused?: true;
  valid: boolean;
  /** What replaying this envelope must give (its original result), undefined if not replayable. */
  replayCode: ResultCode | undefined;
  /** A byte-for-byte replay of a committed envelope: answered with its original result, not ordered again. */
  replayed?: boolean;
}

const registry = defaultRegistry();
const registerMemberArgs = registry.get('identity')?.actions['register-member']?.args;

function withSig(tx: SignedTx, sig: string): SignedTx {
  return sealTx({ tx: tx.envelope.tx, sig });
}

function flipBit(sig: string, bit: number): string {
  const bytes = fromBase64Url(sig) ?? new Uint8Array(64);
  const at = (bit >> 3) % 64;
  bytes[at] = (bytes[at] ?? 0) ^ (1 << (bit & 7));
  return toBase64Url(bytes);
}

function buildSpec(world: World, s: Spec): Built {
  const pool = (i: number) => world.pool[i % world.pool.length]!;
  const memberId = () => `fz-${++world.members}`;
  const built = (tx: SignedTx, expected: ResultCode, replay: ResultCode | undefined = expected): Built => ({
    tx,
    expected,
    valid: expected === 'OK',
    replayCode: replay,
  });
  const refused = (tx: SignedTx, code: Refusal): Built => ({ tx, expected: code, refused: true, valid: false, replayCode: undefined });
  const w = world.network;
  switch (s.family) {
    case 'valid-patient':
      return built(selfEnrolment(w), 'OK');
    case 'valid-member':
      return built(memberRegistration(w, world.admin, memberId(), s.roles, [generateSigningKey().keyId]), 'OK');
    case 'bad-signature': {
      const key = pool(s.pick);
      const base = selfEnrolment(w, key);
      let tx: SignedTx;
      // (A signer id that is not canonical base64url is refused at submit: see the mutation family.)
      switch (s.variant % 5) {
        case 0: tx = withSig(base, toBase64Url(randomBytes(64))); break;
        case 1: tx = withSig(base, flipBit(base.envelope.sig, s.pick)); break;
        case 2: tx = withSig(base, signTx(base.envelope.tx, pool(s.pick + 1)).sig); break;
        case 3: tx = withSig(base, selfEnrolment(w, key).envelope.sig); break;
        default:
          tx = withSig(memberRegistration(w, world.admin, memberId(), ['auditor'], [generateSigningKey().keyId]), toBase64Url(randomBytes(64)));
      }
      return refused(tx, 'BAD_SIGNATURE');
    }
    case 'unknown-signer': {
      const key = pool(s.pick);
      const tx = [
        () => memberRegistration(w, key, memberId(), ['practitioner'], [generateSigningKey().keyId]),
        () => signed({ network: w, contract: 'identity', action: 'set-member-roles', args: { memberId: 'prac', roles: ['org-admin'] } }, key),
        () => keyRevocation(w, key, world.admin.keyId),
        () => signed({ network: w, contract: 'governance', action: 'propose', args: s.junk }, key),
      ][s.variant % 4]!();
      return refused(tx, 'UNKNOWN_SIGNER');
    }
    case 'revoked-signer': {
      const r = world.revoked;
      const tx = [
        () => memberRegistration(w, r, memberId(), ['practitioner'], [generateSigningKey().keyId]),
        () => selfEnrolment(w, r),
        () => keyRevocation(w, r, r.keyId),
      ][s.variant % 3]!();
      return refused(tx, 'REVOKED_SIGNER');
    }
    case 'replay': {
      const item = world.replayable[s.pick % Math.max(1, world.replayable.length)];
      if (!item) return refused(selfEnrolment(w, pool(s.pick), '2000-01-01T00:00:00.000Z'), 'STALE_TIME');
      // An earlier envelope, byte for byte: already committed, so it answers its original result and is not ordered again.
      return { tx: { envelope: JSON.parse(item.text) as Envelope, txId: item.txId, text: item.text }, expected: item.replayCode, valid: false, replayCode: undefined, replayed: true };
    }
    case 'stale-time': {
      const extremes = ['1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2000-02-29T12:00:00.000Z'];
      const time = s.variant % 10 < 3 ? extremes[s.variant % 10]! : new Date(Date.now() + s.offsetMinutes * 60_000).toISOString();
      // An unregistered key's stale self-enrolment is refused; a registered signer's stale transaction is ordered.
      if (s.variant % 2 === 0) return refused(selfEnrolment(w, pool(s.pick), time), 'STALE_TIME');
      const tx = signed({ network: w, contract: 'identity', action: 'register-member', args: { memberId: memberId(), roles: ['auditor'], keys: [generateSigningKey().keyId] }, time }, world.admin);
      return built(tx, 'STALE_TIME');
    }
    case 'wrong-network': {
      const network = s.network === w ? `${w}-other` : s.network;
      const signer = s.variant % 2 === 0 ? pool(s.pick) : world.admin;
      const tx = signed({ network, contract: 'identity', action: 'register-patient', args: { keys: [signer.keyId] } }, signer);
      return signer === world.admin ? built(tx, 'WRONG_NETWORK', 'WRONG_NETWORK') : refused(tx, 'WRONG_NETWORK');
    }
    case 'unknown-contract': {
      const contract = registry.get(s.name) ? `${s.name}x` : s.name;
      return built(signed({ network: w, contract, action: 'register-member', args: s.junk }, world.admin), 'UNKNOWN_CONTRACT');
    }
    case 'unknown-action': {
      const contract = s.variant % 2 === 0 ? 'identity' : 'governance';
      const actions = registry.get(contract)?.actions ?? {};
      const action = Object.hasOwn(actions, s.name) ? `${s.name}x` : s.name;
      return built(signed({ network: w, contract, action, args: s.junk }, world.admin), 'UNKNOWN_ACTION');
    }
    case 'invalid-args': {
      const k = generateSigningKey().keyId;
      const ok = { memberId: memberId(), roles: ['practitioner'], keys: [k] };
      const variants: Array<Record<string, unknown>> = [
        {},
        { ...ok, memberId: 7 },
        { ...ok, roles: [] },
        { ...ok, roles: ['surgeon'] },
        { ...ok, roles: ['practitioner', 'practitioner'] },
        { ...ok, keys: [] },
        { ...ok, keys: ['not-a-key'] },
        { ...ok, keys: [k, k] },
        { ...ok, extra: true },
        { ...ok, memberId: '' },
        { ...ok, memberId: 'a'.repeat(65) },
        { ...ok, licence: 'line\nbreak' },
        { ...ok, display: 'x'.repeat(129) },
        { ...ok, keys: Array.from({ length: 9 }, () => generateSigningKey().keyId) },
        s.junk,
      ];
      const i = s.variant % (variants.length + 2);
      if (i >= variants.length) {
        // register-patient (signer 'any'): schema failures by an unregistered key, refused at the edge
        // (without exactly its own key it is not even a self-enrolment).
        const key = pool(s.pick);
        const args = i === variants.length ? { keys: [] } : { keys: [key.keyId], extra: 1 };
        return refused(signed({ network: w, contract: 'identity', action: 'register-patient', args }, key), i === variants.length ? 'UNKNOWN_SIGNER' : 'INVALID_ARGS');
      }
      let args = variants[i]!;
      if (registerMemberArgs?.safeParse(args).success) args = {};
      return built(signed({ network: w, contract: 'identity', action: 'register-member', args }, world.admin), 'INVALID_ARGS');
    }
    case 'unauthorised': {
      const p = world.practitioner;
      const a = pool(s.pick);
      const b = pool(s.pick + 1);
      const tx = [
        // A practitioner acting as an org admin.
        () => memberRegistration(w, p, memberId(), ['practitioner'], [generateSigningKey().keyId]),
        () => signed({ network: w, contract: 'identity', action: 'set-member-roles', args: { memberId: 'prac', roles: ['org-admin'] } }, p),
        () => keyRevocation(w, p, world.admin.keyId),
        // Self-enrolment that registers a key other than (or besides) the signer's.
        () => signed({ network: w, contract: 'identity', action: 'register-patient', args: { keys: [b.keyId] } }, a),
        () => signed({ network: w, contract: 'identity', action: 'register-patient', args: { keys: [a.keyId, b.keyId] } }, a),
      ][s.variant % 5]!();
      // An unregistered key registering keys other than (only) its own is no self-enrolment: refused.
      return s.variant % 5 >= 3 ? refused(tx, 'UNKNOWN_SIGNER') : built(tx, 'UNAUTHORIZED');
    }
  }
}

// ---------------------------------------------------------------- the test

async function setUpWorld(t: TestContext): Promise<World> {
  const root = makeTempDir('careledger-fuzz-');
  t.after(() => removeDir(root));
  const dataDir = join(root, 'data');
  const init = await initDevNetwork(dataDir);
  // No quotas: this test sends thousands of self-enrolments and admin transactions (quotas: test/security/submit-edge).
  const opened = openNode(dataDir, { limits: { perSigner: null, selfEnrolment: null, perPatientSigner: null } });
  const { app } = buildServer(opened.node, { logger: false });
  const world: World = {
    app,
    opened,
    dataDir,
    network: init.config.networkId,
    admin: loadSigningKey(init.adminKeyFile),
    practitioner: generateSigningKey(),
    revoked: generateSigningKey(),
    pool: Array.from({ length: 64 }, () => generateSigningKey()),
    tally: new Map([['OK', 1]]), // genesis
    valid: 1,
    bad: 0,
    replayable: [],
    members: 0,
    closed: false,
  };
  t.after(async () => {
    if (world.closed) return;
    world.closed = true;
    await app.close();
    await closeNode(opened);
  });
  return world;
}

async function submitBatch(world: World, items: Built[]): Promise<void> {
  const before = snapshot(world);
  const reply = await post(world, arrayBody(items.map((b) => b.tx)));
  assert.equal(reply.status, 200, `batch refused: ${JSON.stringify(reply.body).slice(0, 400)}`);
  const results = (reply.body as { results: Array<{ txId: string; code: string; height: number }> }).results;
  assert.equal(results.length, items.length);
  items.forEach((b, i) => {
    const r = results[i]!;
    assert.equal(r.txId, b.tx.txId, `position ${i}: txId`);
    assert.equal(r.code, b.expected, `position ${i}: ${b.tx.text.slice(0, 300)}`);
  });
  const after = snapshot(world);
  const ordered = items.filter((b) => !b.replayed).length;
  assert.equal(after.txs - before.txs, ordered, 'every envelope of the batch is ordered, none twice, no replay again');
  assert.equal(after.height, before.height + (ordered > 0 ? 1 : 0), 'one batch, one block');
  for (const b of items) {
    if (b.replayed) {
      world.bad++; // sent, answered, never stored again
      continue;
    }
    count(world, b.expected);
    if (b.valid) world.valid++;
    else world.bad++;
    if (b.replayCode !== undefined) world.replayable.push({ text: b.tx.text, txId: b.tx.txId, replayCode: b.replayCode });
  }
}

test('fuzz: bad input never yields a 500 or a partial write', { timeout: 240_000 }, async (t) => {
  const world = await setUpWorld(t);
  const { network, admin } = world;

  await t.test('setup: a practitioner and a revoked member', async () => {
    const setup = [
      memberRegistration(network, admin, 'prac', ['practitioner'], [world.practitioner.keyId]),
      memberRegistration(network, admin, 'gone', ['practitioner'], [world.revoked.keyId]),
    ];
    await submitBatch(world, setup.map((tx) => ({ tx, expected: 'OK', valid: true, replayCode: undefined })));
    await submitBatch(world, [{ tx: keyRevocation(network, admin, world.revoked.keyId), expected: 'OK', valid: true, replayCode: undefined }]);
  });

  await t.test('random JSON values are refused at submit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (value) => {
        const expected = Array.isArray(value) && value.length > 1000 ? 'TOO_LARGE' : 'MALFORMED';
        await expectRefused(world, JSON.stringify(value) ?? 'null', expected, 'random JSON');
      }),
      { numRuns: RUNS.randomJson, ...seedOption },
    );
    const shaped = fc.record({
      tx: fc.record(
        {
          type: fc.oneof(fc.constant('careledger.tx/1'), fc.string()),
          network: fc.string(),
          contract: fc.string(),
          action: fc.string(),
          args: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
          signer: fc.string(),
          nonce: fc.string(),
          time: fc.string(),
        },
        { requiredKeys: [] },
      ),
      sig: fc.string(),
    });
    await fc.assert(
      fc.asyncProperty(shaped, async (value) => {
        await expectRefused(world, JSON.stringify(value), 'MALFORMED', 'envelope-shaped JSON');
      }),
      { numRuns: RUNS.shapedJson, ...seedOption },
    );
  });

  await t.test('envelopes with one field mutated are refused, alone or inside an array', async () => {
    const key = world.pool[0]!;
    await fc.assert(
      fc.asyncProperty(mutationArb, fc.nat(3), fc.nat(3), async (m, before, after) => {
        const { body, expected } = applyMutation(m, world, key);
        const label = `mutation ${JSON.stringify(m).slice(0, 200)}`;
        if (before + after === 0 || m.kind === 'huge-args') {
          await expectRefused(world, JSON.stringify(body), expected, label);
          return;
        }
        // Valid envelopes around the bad one must not be written either.
        const valid = (n: number) => Array.from({ length: n }, () => selfEnrolment(network).text);
        const payload = `[${[...valid(before), JSON.stringify(body), ...valid(after)].join(',')}]`;
        await expectRefused(world, payload, expected, `${label} in an array`);
      }),
      { numRuns: RUNS.mutated, ...seedOption },
    );
  });

  await t.test('garbage, truncated and byte-flipped bodies', async () => {
    const byteCase = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => ({ kind: 'garbage', bytes: b, pos: 0, value: 0 })),
      fc.record({ kind: fc.constantFrom('truncate', 'flip', 'insert', 'delete'), bytes: fc.constant(new Uint8Array()), pos: fc.nat(), value: fc.nat(255) }),
    );
    await fc.assert(
      fc.asyncProperty(byteCase, async (c) => {
        // A fresh key each time: a mutation that is JSON-equivalent (say, inserted
        // whitespace) is the genuine transaction and commits OK.
        const genuine = selfEnrolment(network);
        const base = Buffer.from(genuine.text, 'utf8');
        const at = c.pos % base.length;
        let bytes: Buffer;
        switch (c.kind) {
          case 'garbage': bytes = Buffer.from(c.bytes); break;
          case 'truncate': bytes = base.subarray(0, at); break;
          case 'flip': {
            bytes = Buffer.from(base);
            bytes[at] = c.value === base[at] ? (c.value + 1) % 256 : c.value;
            break;
          }
          case 'insert': bytes = Buffer.concat([base.subarray(0, at), Buffer.from([c.value]), base.subarray(at)]); break;
          default: bytes = Buffer.concat([base.subarray(0, at), base.subarray(at + 1)]);
        }
        const verdict = classifyBytes(bytes);
        if ('refused' in verdict) {
          await expectRefused(world, bytes, verdict.refused, `${c.kind} at ${at}: ${bytes.toString('utf8').slice(0, 120)}`);
          return;
        }
        // Still a well-formed envelope: unless it is the genuine one, its signature cannot verify and it is refused.
        const tx = sealTx(verdict.ordered);
        const same = tx.txId === genuine.txId && verdict.ordered.sig === genuine.envelope.sig;
        if (!same) {
          await expectRefused(world, bytes, 'BAD_SIGNATURE', `${c.kind} at ${at}: ${bytes.toString('utf8').slice(0, 120)}`);
          return;
        }
        await submitBatch(world, [{ tx: { ...tx, text: bytes.toString('utf8') }, expected: 'OK', valid: true, replayCode: undefined }]);
      }),
      { numRuns: RUNS.bytes, ...seedOption },
    );
  });

  await t.test('unsupported media types and oversize bodies', async () => {
    const envelopeText = selfEnrolment(network).text;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonx', 'application/vnd.api+json', 'image/png', 'text/html'),
          fc.stringMatching(/^[a-z]{1,12}\/[a-z0-9.+-]{1,16}$/).filter((s) => s !== 'application/json'),
        ),
        async (contentType) => {
          await expectRefused(world, envelopeText, 'UNSUPPORTED_MEDIA_TYPE', `content-type ${contentType}`, contentType);
        },
      ),
      { numRuns: RUNS.mediaType, ...seedOption },
    );
    await expectRefused(world, envelopeText, 'UNSUPPORTED_MEDIA_TYPE', 'no content-type', null);
    await expectRefused(world, `["${'a'.repeat(MAX_BODY)}"]`, 'TOO_LARGE', 'body over 8 MiB');
    await expectRefused(world, `{"tx":"${'b'.repeat(MAX_BODY + 10)}","sig":""}`, 'TOO_LARGE', 'envelope over 8 MiB');
    await expectRefused(world, arrayBody(Array.from({ length: 1001 }, () => selfEnrolment(network))), 'TOO_LARGE', '1001 envelopes');
    await expectRefused(world, '[]', 'MALFORMED', 'empty array');
  });

  await t.test('well-formed invalid envelopes are refused at the edge or get their result code, valid ones commit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 150, maxLength: 200 }), async (specs) => {
        const built = specs.map((s) => buildSpec(world, s));
        const ordered = built.filter((b) => !b.refused);
        const refusedOnes = built.filter((b) => b.refused);
        // One refused envelope among the ordered ones refuses the whole array.
        const first = refusedOnes[0];
        if (first && ordered.length > 0) {
          await expectRefused(world, arrayBody([...ordered.slice(0, 3).map((b) => b.tx), first.tx]), first.expected as Refusal, `${first.expected} in an array`);
        }
        for (const b of refusedOnes) await expectRefused(world, b.tx.text, b.expected as Refusal, `${b.expected}: ${b.tx.text.slice(0, 200)}`);
        if (ordered.length > 0) await submitBatch(world, ordered);
      }),
      { numRuns: RUNS.batches, endOnFailure: true, ...seedOption },
    );
  });

  await t.test('read routes answer bad parameters with a 4xx, never a 500', async () => {
    const param = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('-1', '1e400', '0x10', '9007199254740993', '%00', '..', '', ' ', 'NaN', 'Infinity', '__proto__', 'a'.repeat(64)),
    );
    const routes = [
      (a: string) => `/ledger/v1/transactions/${a}`,
      (a: string) => `/ledger/v1/blocks/${a}`,
      (a: string, b: string) => `/ledger/v1/blocks?from=${a}&limit=${b}`,
      (a: string, b: string) => `/ledger/v1/proofs/consistency?from=${a}&to=${b}`,
      (a: string) => `/ledger/v1/keys/${a}`,
      (a: string, b: string) => `/ledger/v1/orgs/${a}/members?after=${b}&limit=${b}`,
      (a: string) => `/ledger/v1/patients/${a}`,
      (a: string) => `/ledger/v1/proposals/${a}`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(routes.length - 1), param, param, async (r, a, b) => {
        const url = routes[r]!(encodeURIComponent(a.replace(/[\uD800-\uDFFF]/g, '')), encodeURIComponent(b.replace(/[\uD800-\uDFFF]/g, '')));
        const res = await world.app.inject({ method: 'GET', url });
        assert.ok(res.statusCode < 500, `${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
      }),
      { numRuns: 600, ...seedOption },
    );
  });

  await t.test('the ledger holds exactly the codes sent and re-verifies', async () => {
    const rows = world.opened.store.db.prepare('SELECT code, COUNT(*) AS n FROM txs GROUP BY code').all() as Array<{ code: string; n: number }>;
    const stored = Object.fromEntries(rows.map((r) => [r.code, r.n]));
    assert.deepEqual(stored, Object.fromEntries(world.tally));
    assert.equal(stored['OK'], world.valid, 'committed OK transactions = valid ones sent');
    assert.ok(world.bad >= MIN_BAD, `only ${world.bad} bad envelopes were sent`);
    t.diagnostic(`bad envelopes sent: ${world.bad}; valid: ${world.valid}; blocks: ${world.opened.node.head.height + 1}`);
    const blocks = world.opened.node.head.height + 1;
    const txs = rows.reduce((n, r) => n + r.n, 0);
    world.closed = true;
    await world.app.close();
    await closeNode(world.opened);
    // The verifier's logic in-process (checks inline), independent of the CLI's process lifetime.
    const result = await verifyDataDir(world.dataDir);
    assert.deepEqual(result, { ok: true, blocks, txs });
  });

  await t.test('careledger verify exits 0 on the fuzzed ledger', async () => {
    const verify = await runCli(['verify', '--data-dir', world.dataDir, '--quiet'], 60_000);
    assert.equal(
      verify.code,
      0,
      `careledger verify exited ${String(verify.code)} printing ${JSON.stringify(verify.stdout + verify.stderr)}` +
        (verify.code === 13 ? ' (exit 13 = unsettled top-level await: VerifyPool workers are unref()ed, see verify-pool.ts)' : ''),
    );
    assert.match(verify.stdout, /^ok: /);
  });
});

// A bad-signature copy of a transaction carries the genuine transaction's txId
// (txId = SHA-256(JCS(tx)), the signature is not part of it). Whoever learns a
// signed transaction before it is ordered can strip the signature and order
// the copy first. These assertions state the behaviour the acceptance asks
// for ("replayed txId" means a replay of an authenticated transaction).
test('a bad-signature copy does not claim the txId of the genuine transaction', { timeout: 60_000 }, async (t) => {
  const world = await setUpWorld(t);
  const forge = (tx: SignedTx) => withSig(tx, flipBit(tx.envelope.sig, 7));

  await t.test('copy sent first: refused at the edge, the genuine one still commits', async () => {
    const genuine = selfEnrolment(world.network);
    const copy = await post(world, arrayBody([forge(genuine)]));
    assert.equal(copy.status, 400);
    assert.equal(errorCode(copy.body), 'BAD_SIGNATURE');
    const reply = await post(world, arrayBody([genuine]));
    assert.equal(reply.status, 200);
    assert.equal(
      (reply.body as { results: Array<{ code: string }> }).results[0]?.code,
      'OK',
      'the genuine transaction was refused as DUPLICATE_TX because an unauthenticated copy was ordered first',
    );
  });

  await t.test('copy and genuine in one request: refused whole, then the genuine one commits and is reported OK', async () => {
    const genuine = selfEnrolment(world.network);
    const height = world.opened.node.head.height;
    const reply = await post(world, arrayBody([forge(genuine), genuine]));
    assert.equal(reply.status, 400);
    assert.equal(errorCode(reply.body), 'BAD_SIGNATURE');
    assert.equal(world.opened.node.head.height, height, 'nothing of the request was ordered');
    const again = await post(world, arrayBody([genuine]));
    assert.equal((again.body as { results: Array<{ code: string }> }).results[0]?.code, 'OK');
    const got = await world.app.inject({ method: 'GET', url: `/ledger/v1/transactions/${genuine.txId}` });
    assert.equal((JSON.parse(got.body) as { code: string }).code, 'OK');
  });
});

// ------------------------------------------------- deep and non-UTF-8 input

/** Nested arrays/objects `depth` deep, each level chosen by `shape` (true: array). */
function nested(shape: readonly boolean[]): string {
  let open = '';
  let close = '';
  for (const isArray of shape) {
    open += isArray ? '[' : '{"k":';
    close = (isArray ? ']' : '}') + close;
  }
  return open + '0' + close;
}

/** Byte sequences that are not UTF-8 (RFC 3629 section 3 and its table of ill-formed forms). */
const invalidUtf8 = fc.oneof(
  fc.integer({ min: 0x80, max: 0xbf }).map((b) => [b]), // lone continuation byte
  fc.integer({ min: 0xc2, max: 0xf4 }).map((b) => [b]), // truncated lead byte
  fc.integer({ min: 0xf5, max: 0xff }).map((b) => [b]), // never valid
  fc.integer({ min: 0x00, max: 0x3f }).map((b) => [0xc0 | (b >> 6), 0x80 | (b & 0x3f)]), // overlong (C0/C1)
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => [0xed, 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]), // encoded surrogate
  fc.integer({ min: 0x110000, max: 0x13ffff }).map((c) => [0xf4, 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]), // > U+10FFFF
);

/** A JSON string escape holding exactly one unpaired surrogate. */
const loneSurrogate = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdbff }).map((c) => `\\u${c.toString(16)}x`), // high, then no low
  fc.integer({ min: 0xdc00, max: 0xdfff }).map((c) => `x\\u${c.toString(16)}`), // low without high
);

test('fuzz: deep, non-UTF-8 and lone-surrogate FHIR bodies are a 400 OperationOutcome, nothing stored', { timeout: 240_000 }, async (t) => {
  const fx = await startRecordsNode();
  t.after(() => fx.close());
  const c = fx.client;
  const dr = await c.registerMember(fx.adminKey, ['practitioner'], 'dr-fuzz');
  const patient = await c.registerPatient(dr.key);
  await c.tx(patient.key, 'consent', 'grant', {
    patient: patient.pseudonym,
    grantee: { kind: 'organization', orgId: fx.orgId },
    provision: { type: 'permit', purposes: ['TREAT'] },
  });
  const token = await c.memberToken(dr.key);
  const resource = JSON.stringify(observation(patient.pseudonym, '8480-6', 120));
  const count = async (): Promise<number> => {
    const res = await fx.app.inject({ method: 'GET', url: `/fhir/R4/Observation?subject=Patient/${patient.pseudonym}&_count=1`, headers: { authorization: `Bearer ${token}` } });
    return (JSON.parse(res.body) as { total: number }).total;
  };
  const expect400 = async (payload: Buffer | string, label: string, method: 'POST' | 'PUT' = 'POST', url = '/fhir/R4/Observation') => {
    const res = await fx.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' } });
    assert.equal(res.statusCode, 400, `${label}: ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { resourceType: string; issue: Array<{ code: string }> };
    assert.equal(body.resourceType, 'OperationOutcome', label);
    assert.equal(body.issue[0]?.code, 'structure', label);
  };
  const before = await count();

  await t.test('bodies nested deeper than 64, anywhere in the resource, up to 20,000 levels', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 64, maxLength: 20_000 }), fc.constantFrom('extension', 'note', 'valueString', 'component'), fc.boolean(), async (shape, field, whole) => {
        const deep = nested(shape);
        // Depth is counted from the body's root: the resource object adds one level.
        await expect400(whole ? deep : `${resource.slice(0, -1)},"${field}":${deep}}`, `depth ${shape.length + (whole ? 0 : 1)}`);
      }),
      { numRuns: 200, ...seedOption },
    );
  });

  await t.test('invalid UTF-8 bytes anywhere in a string of the resource', async () => {
    await fc.assert(
      fc.asyncProperty(invalidUtf8, fc.string({ maxLength: 20 }), async (bad, text) => {
        const body = Buffer.from(`${resource.slice(0, -1)},"note":[{"text":${JSON.stringify(text + '#')}}]}`);
        const hash = body.lastIndexOf('#');
        const payload = Buffer.concat([body.subarray(0, hash), Buffer.from(bad), body.subarray(hash + 1)]);
        await expect400(payload, `bytes ${bad.map((b) => b.toString(16)).join(' ')}`);
      }),
      { numRuns: 300, ...seedOption },
    );
  });

  await t.test('lone surrogate escapes in values and keys, on create and update', async () => {
    await fc.assert(
      fc.asyncProperty(loneSurrogate, fc.boolean(), fc.boolean(), async (escape, inKey, update) => {
        const member = inKey ? `"note":[{"text":"a","${escape}":1}]` : `"note":[{"text":"${escape}"}]`;
        const url = update ? `/fhir/R4/Patient/${patient.pseudonym}` : '/fhir/R4/Observation';
        const payload = update ? `{"resourceType":"Patient","id":"${patient.pseudonym}",${member.replace('note', 'extension')}}` : `${resource.slice(0, -1)},${member}}`;
        await expect400(payload, escape, update ? 'PUT' : 'POST', url);
      }),
      { numRuns: 300, ...seedOption },
    );
  });

  await t.test('nothing was stored', async () => {
    assert.equal(await count(), before);
    const res = await fx.app.inject({ method: 'GET', url: `/fhir/R4/Patient/${patient.pseudonym}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 404, res.body);
  });
});

test('fuzz: deeply nested envelopes are refused at submit, nothing written', { timeout: 60_000 }, async (t) => {
  const world = await setUpWorld(t);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 65, maxLength: 20_000 }), fc.boolean(), async (shape, inArgs) => {
      const deep = nested(shape);
      const body = inArgs
        ? `{"tx":{"type":"careledger.tx/1","network":"${world.network}","contract":"identity","action":"self-enrol","args":{"x":${deep}},"signer":"ed25519:${toBase64Url(randomBytes(32))}","nonce":"${toBase64Url(randomBytes(16))}","time":"${new Date().toISOString()}"},"sig":"${toBase64Url(randomBytes(64))}"}`
        : deep;
      await expectRefused(world, body, 'MALFORMED', `depth ${shape.length}`);
    }),
    { numRuns: 100, ...seedOption },
  );
});
