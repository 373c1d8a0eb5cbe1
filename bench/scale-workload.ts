// The scale benchmark's workload, generated a round at a time so a run of
// 10^7 transactions never holds more than one round of envelopes: members
// across four organisations, patients registered by their practitioners,
// consent grants and revocations by the patients, delegates, and access
// anchors signed by the organisations' nodes. Every transaction depends only
// on transactions of earlier rounds (committed before the round is signed).
import { generateSigningKey, sha256Hex, utf8, type SigningKey } from '../src/crypto/index.js';
import { parseEnvelope, signTx, txIdOf, type ParsedEnvelope } from '../src/ledger/index.js';
import { pseudonymForTx } from '../src/contracts/identity/index.js';
import { consentIdForTx, sealConsentGrant, type Provision } from '../src/contracts/consent/index.js';
import { proposalIdForTx } from '../src/contracts/governance/index.js';

const PROVISION: Provision = { type: 'permit', actions: ['collect', 'correct'], provisions: [{ type: 'permit', securityLabels: ['PSY', 'HIV', 'R'] }] };

/** Shares of a round (the rest of a round is patients). */
export const MIX = { member: 0.1, grant: 0.25, revoke: 0.1, delegate: 0.05, anchor: 0.2 } as const;

interface Org {
  orgId: string;
  admin: SigningKey;
  node: SigningKey | undefined;
  practitioners: SigningKey[];
  /** Registered in the round being signed: they sign from the next round on. */
  newPractitioners: SigningKey[];
  members: number;
}

interface Patient {
  key: SigningKey;
  pseudonym: string;
  custodian: string;
  chainSeq: number;
  chain: string;
}

export class ScaleWorkload {
  readonly orgs: Org[];
  private readonly patients: Patient[] = [];
  private readonly newPatients: Patient[] = [];
  private readonly grants: Array<{ patient: Patient; consentId: string }> = [];
  private readonly newGrants: Array<{ patient: Patient; consentId: string }> = [];
  private n = 0;

  constructor(
    private readonly network: string,
    admin: SigningKey,
    private readonly hpkePublicKey: string,
    orgCount = 4,
  ) {
    this.orgs = Array.from({ length: orgCount }, (_, i) => ({
      orgId: `org${i + 1}`,
      admin: i === 0 ? admin : generateSigningKey(),
      // org1's node key stays in its sealed keyring: its patients' chains are anchored by nobody here.
      node: i === 0 ? undefined : generateSigningKey(),
      practitioners: [],
      newPractitioners: [],
      members: 0,
    }));
  }

  private sign(contract: string, action: string, args: Record<string, unknown>, key: SigningKey): ParsedEnvelope {
    return parseEnvelope(signTx({ network: this.network, contract, action, args }, key));
  }

  /**
   * The setup rounds: org1 admits the others one by one (alone it is a
   * majority; from the third org on, org2 approves too), then five
   * practitioners in each organisation.
   */
  setup(): ParsedEnvelope[][] {
    const rounds: ParsedEnvelope[][] = [];
    for (const o of this.orgs.slice(1)) {
      const payload = { orgId: o.orgId, name: o.orgId, adminKeys: [o.admin.keyId], nodeKeys: [o.node!.keyId], hpkePublicKey: this.hpkePublicKey, endpoint: `https://${o.orgId}.example` };
      const proposal = this.sign('governance', 'propose', { kind: 'admit-org', payload }, this.orgs[0]!.admin);
      rounds.push([proposal]);
      if (o !== this.orgs[1]) rounds.push([this.sign('governance', 'approve', { proposalId: proposalIdForTx(txIdOf(proposal.envelope.tx)) }, this.orgs[1]!.admin)]);
    }
    rounds.push(this.orgs.flatMap((o) => Array.from({ length: 5 }, () => this.member(o))));
    return rounds;
  }

  private member(org: Org): ParsedEnvelope {
    const key = generateSigningKey();
    const memberId = `m-${org.members++}`;
    if (org.practitioners.length + org.newPractitioners.length < 20) org.newPractitioners.push(key);
    return this.sign('identity', 'register-member', { memberId, roles: ['practitioner'], keys: [key.keyId] }, org.admin);
  }

  /** The next round of `size` transactions (patients and grants of the round become usable in the next one). */
  round(size: number): ParsedEnvelope[] {
    this.patients.push(...this.newPatients.splice(0));
    for (const o of this.orgs) o.practitioners.push(...o.newPractitioners.splice(0));
    this.grants.push(...this.newGrants.splice(0));
    const out: ParsedEnvelope[] = [];
    for (let i = 0; i < size; i++) {
      const k = this.n++;
      const pick = (k * 0.6180339887) % 1;
      const org = this.orgs[k % this.orgs.length]!;
      let cut = 0;
      const share = (s: number) => pick < (cut += s);
      const p = this.patients.length > 0 ? this.patients[(k * 7919) % this.patients.length]! : undefined;
      if (share(MIX.member)) out.push(this.member(org));
      else if (share(MIX.grant) && p) out.push(this.grant(p));
      else if (share(MIX.revoke) && this.grants.length > 0) out.push(this.revoke());
      else if (share(MIX.delegate) && p) out.push(this.sign('identity', 'add-delegate', { pseudonym: p.pseudonym, relationship: 'proxy', keys: [generateSigningKey().keyId] }, p.key));
      else if (share(MIX.anchor) && p && this.nodeOf(p) !== undefined) out.push(this.anchor(p, this.nodeOf(p)!));
      else out.push(this.patient(org, k));
    }
    return out;
  }

  private patient(org: Org, k: number): ParsedEnvelope {
    const key = generateSigningKey();
    const env = this.sign('identity', 'register-patient', { keys: [key.keyId] }, org.practitioners[k % org.practitioners.length]!);
    const pseudonym = pseudonymForTx(txIdOf(env.envelope.tx));
    this.newPatients.push({ key, pseudonym, custodian: org.orgId, chainSeq: 0, chain: 'ch-' + sha256Hex(utf8(pseudonym)) });
    return env;
  }

  private grant(p: Patient): ParsedEnvelope {
    const sealed = sealConsentGrant({
      network: this.network, patient: p.pseudonym, custodianHpkePublicKey: this.hpkePublicKey, grantee: { kind: 'organization', orgId: p.custodian }, provision: PROVISION,
    });
    const env = this.sign('consent', 'grant', { ...sealed }, p.key);
    this.newGrants.push({ patient: p, consentId: consentIdForTx(txIdOf(env.envelope.tx)) });
    return env;
  }

  private revoke(): ParsedEnvelope {
    const g = this.grants.splice((this.n * 104729) % this.grants.length, 1)[0]!;
    return this.sign('consent', 'revoke', { patient: g.patient.pseudonym, consentId: g.consentId }, g.patient.key);
  }

  private nodeOf(p: Patient): SigningKey | undefined {
    return this.orgs.find((o) => o.orgId === p.custodian)?.node;
  }

  private anchor(p: Patient, node: SigningKey): ParsedEnvelope {
    const seq = ++p.chainSeq;
    return this.sign('access', 'anchor', { entries: [{ chain: p.chain, from: seq, seq, head: sha256Hex(utf8(`${p.chain}/${seq}`)) }], breakGlass: [] }, node);
  }
}
