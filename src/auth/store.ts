// Node-local auth state in SQLite (better-sqlite3, injected): client-assertion
// jtis seen (replay protection that survives a restart, kept until the
// assertion's exp), the nonces of patient sign-in challenges spent by a
// successful sign-in (single use, kept until the challenge's expiry) and
// the registry of JWKS clients. None of this is ledger state: it is one
// node's view, so it lives beside the ledger tables, not in them.
import type Database from 'better-sqlite3';

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS auth_seen_jti (
  client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (client_id, jti)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS auth_seen_jti_expiry ON auth_seen_jti (expires_at);
DROP TABLE IF EXISTS auth_challenge;
CREATE TABLE IF NOT EXISTS auth_spent_challenge (nonce BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS auth_spent_challenge_expiry ON auth_spent_challenge (expires_at);
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
      pruneSpent: db.prepare('DELETE FROM auth_spent_challenge WHERE expires_at <= ?'),
      insertSpent: db.prepare('INSERT OR IGNORE INTO auth_spent_challenge (nonce, expires_at) VALUES (?, ?)'),
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

  /**
   * Spends a challenge's nonce (an authentic, unexpired challenge, see
   * auth/challenge.ts) until `expiresAt` (ms): true the first time, false on
   * every later attempt. Only successful sign-ins call this, so the set is
   * bounded by real sign-ins within one challenge lifetime, not by anonymous
   * traffic. Entries past their expiry are pruned first (their challenges
   * fail the MAC-checked expiry anyway).
   */
  spendChallenge(nonce: Uint8Array, expiresAt: number, now: number): boolean {
    return this.db.transaction(() => {
      this.stmts.pruneSpent.run(now);
      return this.stmts.insertSpent.run(Buffer.from(nonce), expiresAt).changes === 1;
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
