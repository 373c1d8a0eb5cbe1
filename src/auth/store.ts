// Node-local auth state in SQLite (better-sqlite3, injected): client-assertion
// jtis seen (replay protection that survives a restart, kept until the
// assertion's exp), outstanding patient sign-in challenges (single use) and
// the registry of JWKS clients. None of this is ledger state: it is one
// node's view, so it lives beside the ledger tables, not in them.
import type Database from 'better-sqlite3';
import { constantTimeEqual } from '../crypto/index.js';

/** A registered ES384/RS384 client: it authenticates as member `memberId` of `orgId`. */
export interface ClientRecord {
  clientId: string;
  orgId: string;
  memberId: string;
  /** The public JWK Set ({ keys: [...] }), as registered. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** issuedAt of the signed registration; a registration must be newer than the one it replaces. */
  issuedAt: string;
  /** Key id of the org admin that signed the registration ('local' when registered in-process). */
  registeredBy: string;
}

/** Outstanding challenges beyond which new ones are refused (unauthenticated endpoint). */
export const MAX_OPEN_CHALLENGES = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS auth_seen_jti (
  client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (client_id, jti)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS auth_seen_jti_expiry ON auth_seen_jti (expires_at);
CREATE TABLE IF NOT EXISTS auth_challenge (hash BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS auth_challenge_expiry ON auth_challenge (expires_at);
CREATE TABLE IF NOT EXISTS auth_client (
  client_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, member_id TEXT NOT NULL, jwks TEXT NOT NULL,
  issued_at TEXT NOT NULL, registered_by TEXT NOT NULL) WITHOUT ROWID;
`;

interface RawClient {
  client_id: string;
  org_id: string;
  member_id: string;
  jwks: string;
  issued_at: string;
  registered_by: string;
}

export class AuthStore {
  private readonly stmts;

  /** Creates the auth tables if needed. The database stays owned by the caller. */
  constructor(readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      pruneJti: db.prepare('DELETE FROM auth_seen_jti WHERE expires_at < ?'),
      insertJti: db.prepare('INSERT OR IGNORE INTO auth_seen_jti (client_id, jti, expires_at) VALUES (?, ?, ?)'),
      pruneChallenges: db.prepare('DELETE FROM auth_challenge WHERE expires_at <= ?'),
      countChallenges: db.prepare('SELECT count(*) AS n FROM auth_challenge'),
      insertChallenge: db.prepare('INSERT INTO auth_challenge (hash, expires_at) VALUES (?, ?)'),
      findChallenge: db.prepare('SELECT hash, expires_at FROM auth_challenge WHERE hash = ?'),
      deleteChallenge: db.prepare('DELETE FROM auth_challenge WHERE hash = ?'),
      getClient: db.prepare('SELECT * FROM auth_client WHERE client_id = ?'),
      putClient: db.prepare(
        `INSERT INTO auth_client (client_id, org_id, member_id, jwks, issued_at, registered_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (client_id) DO UPDATE SET org_id = excluded.org_id, member_id = excluded.member_id,
           jwks = excluded.jwks, issued_at = excluded.issued_at, registered_by = excluded.registered_by`,
      ),
    };
  }

  /**
   * Records a client assertion's jti until `expiresAt` (ms). False if this
   * client already used it: the assertion is a replay. Expired entries are
   * pruned first (their assertions fail the exp check anyway).
   */
  rememberJti(clientId: string, jti: string, expiresAt: number, now: number): boolean {
    return this.db.transaction(() => {
      this.stmts.pruneJti.run(now);
      return this.stmts.insertJti.run(clientId, jti, expiresAt).changes === 1;
    })();
  }

  /** Stores a challenge by its SHA-256; false when too many are outstanding. */
  addChallenge(hash: Uint8Array, expiresAt: number, now: number): boolean {
    return this.db.transaction(() => {
      this.stmts.pruneChallenges.run(now);
      if ((this.stmts.countChallenges.get() as { n: number }).n >= MAX_OPEN_CHALLENGES) return false;
      this.stmts.insertChallenge.run(Buffer.from(hash), expiresAt);
      return true;
    })();
  }

  /**
   * Consumes a challenge (by its SHA-256) if it is outstanding and unexpired:
   * true at most once per challenge. The lookup is keyed by a hash of the
   * secret, so its timing says nothing useful about the challenge itself.
   */
  consumeChallenge(hash: Uint8Array, now: number): boolean {
    return this.db.transaction(() => {
      const row = this.stmts.findChallenge.get(Buffer.from(hash)) as { hash: Buffer; expires_at: number } | undefined;
      if (row === undefined || !constantTimeEqual(new Uint8Array(row.hash), hash)) return false;
      this.stmts.deleteChallenge.run(row.hash);
      return row.expires_at > now;
    })();
  }

  getClient(clientId: string): ClientRecord | undefined {
    const r = this.stmts.getClient.get(clientId) as RawClient | undefined;
    if (r === undefined) return undefined;
    return {
      clientId: r.client_id,
      orgId: r.org_id,
      memberId: r.member_id,
      jwks: JSON.parse(r.jwks) as ClientRecord['jwks'],
      issuedAt: r.issued_at,
      registeredBy: r.registered_by,
    };
  }

  /** Inserts or replaces a client; false (nothing written) if the stored registration is as new or newer. */
  putClient(client: ClientRecord): boolean {
    return this.db.transaction(() => {
      const prev = this.getClient(client.clientId);
      if (prev !== undefined && Date.parse(prev.issuedAt) >= Date.parse(client.issuedAt)) return false;
      this.stmts.putClient.run(client.clientId, client.orgId, client.memberId, JSON.stringify(client.jwks), client.issuedAt, client.registeredBy);
      return true;
    })();
  }
}
