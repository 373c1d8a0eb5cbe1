// The custodian's access log on its own: chains per patient under blinded ids,
// nothing in clear at rest, rows append-only, a row moved to another place does
// not open, and retention after erasure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyAccessChain } from '../../contracts/access/index.js';
import { Kek } from '../../vault/index.js';
import { AccessLogStore } from './access-log.js';

const P = 'pt-' + 'a'.repeat(32);
const Q = 'pt-' + 'b'.repeat(32);
const REASON = 'unconscious-marker-7f3a in the ED';

const event = (patient: string, n: number, extra: object = {}) => ({
  patient,
  accessor: { kind: 'member', orgId: 'alpha', memberId: 'dr-marker-x' },
  interaction: 'read',
  records: [{ recordId: `obs-${n}`, version: 1 }],
  resourceTypes: ['Observation'],
  purpose: 'TREAT',
  consentIds: [],
  requestId: `req-${n}`,
  at: `2026-01-01T00:00:0${n}.000Z`,
  ...extra,
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-access-log-'));
  const file = join(dir, 'vault.sqlite');
  const db = new Database(file);
  const kek = Kek.generate();
  return { db, kek, file, log: AccessLogStore.open(db, kek, 'alpha'), done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('per-patient chains under blinded ids verify; nothing is stored in clear', () => {
  const s = setup();
  try {
    const placed = s.log.append([event(P, 1), event(Q, 2), event(P, 3, { purpose: 'ETREAT', breakGlass: { reason: REASON } })]);
    const [cp, cq] = [s.log.chainIdOf(P), s.log.chainIdOf(Q)];
    assert.match(cp, /^ch-[0-9a-f]{64}$/);
    assert.notEqual(cp, cq);
    assert.deepEqual(placed, [{ chain: cp, seq: 1 }, { chain: cq, seq: 1 }, { chain: cp, seq: 2 }]);
    const events = s.log.events(P);
    assert.deepEqual(events.map((e) => [e.seq, e.requestId, e.custodian]), [[1, 'req-1', 'alpha'], [2, 'req-3', 'alpha']]);
    const links = s.log.links(P);
    assert.deepEqual(verifyAccessChain(cp, events.map(({ eventId: _id, ...e }) => e), [{ seq: 2, head: links[1]!.head }]).ok, true);
    assert.deepEqual(s.log.breakGlassEvents().map((b) => b.event.breakGlass?.reason), [REASON]);
    assert.equal(s.log.unanchoredCount(), 3);
    s.log.markAnchored(cp, 2);
    assert.equal(s.log.unanchoredCount(), 1);
    // Another KEK opens nothing; the same KEK opens the same log again.
    assert.equal(AccessLogStore.open(s.db, s.kek, 'alpha').events(P).length, 2);
    assert.throws(() => AccessLogStore.open(s.db, Kek.generate(), 'alpha'), (e: { code?: string }) => e.code === 'INTERNAL');
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(s.file);
    for (const secret of [P, Q, REASON, 'dr-marker-x', 'ETREAT', 'req-3']) assert.equal(bytes.includes(Buffer.from(secret)), false, secret);
  } finally {
    s.done();
  }
});

test('the log is append-only, a row does not open elsewhere, and a sealed journal line round-trips', () => {
  const s = setup();
  try {
    s.log.append([event(P, 1), event(P, 2)]);
    assert.throws(() => s.db.prepare('UPDATE access_log SET head = ? WHERE seq = 1').run('0'.repeat(64)), /append-only/);
    assert.throws(() => s.db.prepare('DELETE FROM access_log').run(), /append-only/);
    // Swapping two sealed rows (same chain) fails authentication instead of reordering silently.
    s.db.exec('DROP TRIGGER access_log_append_only');
    const rows = s.db.prepare('SELECT seq, sealed FROM access_log ORDER BY seq').all() as Array<{ seq: number; sealed: Buffer }>;
    s.db.prepare('UPDATE access_log SET sealed = ? WHERE seq = ?').run(rows[1]!.sealed, 1);
    assert.throws(() => s.log.events(P), (e: { code?: string }) => e.code === 'INTERNAL');
    const line = s.log.sealJournalLine(event(Q, 3));
    assert.equal(line.includes(Q), false);
    assert.deepEqual(s.log.openJournalLine(line), event(Q, 3));
    assert.throws(() => s.log.append([{ ...event(Q, 4), purpose: 'MARKETING' }]), (e: { code?: string }) => e.code === 'INTERNAL');
  } finally {
    s.done();
  }
});

test('retention: an erased patient\'s log is kept six years after erasure, then purged', () => {
  const s = setup();
  try {
    s.log.append([event(P, 1), event(Q, 2)]);
    s.log.markErased(P, '2026-01-02T00:00:00.000Z');
    assert.equal(s.log.purgeExpired('2031-12-31T00:00:00.000Z'), 0);
    assert.equal(s.log.events(P).length, 1);
    assert.equal(s.log.purgeExpired('2032-01-10T00:00:00.000Z'), 1);
    assert.deepEqual(s.log.events(P), []);
    assert.equal(s.log.events(Q).length, 1, 'other patients are untouched');
  } finally {
    s.done();
  }
});
