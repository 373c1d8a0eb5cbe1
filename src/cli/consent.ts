// `careledger consent grant`: seals a consent to the patient's custodian
// (the grantee and provision never reach the ledger in clear; docs/privacy.md)
// and submits it through the custodian's checked route
// POST /ledger/v1/patients/{p}/consents. The custodian's HPKE key comes from
// its organisation record, GET /ledger/v1/orgs/{org}.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CONSENT_CONTRACT, granteeSchema, sealConsentGrant, type Grantee, type Provision } from '../contracts/consent/index.js';
import { signTx } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { loadSigningKey } from '../node/index.js';

/** The registered HPKE public key of organisation `org`, from a node's registry route. */
export async function custodianHpkeKey(baseUrl: string, org: string): Promise<string> {
  const res = await fetch(new URL(`/ledger/v1/orgs/${encodeURIComponent(org)}`, baseUrl), { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { hpkePublicKey?: unknown };
  if (!res.ok || typeof body.hpkePublicKey !== 'string') {
    throw new CareLedgerError('NOT_FOUND', `organisation ${org} has no registered HPKE key`, { field: 'custodian' });
  }
  return body.hpkePublicKey;
}

function json(text: string, field: string): unknown {
  try {
    return JSON.parse(text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text);
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', `--${field} is not valid JSON`, { field, cause });
  }
}

/** 'org' (every member) or 'org/member' (one practitioner). */
function granteeOf(text: string): Grantee {
  const [orgId, memberId, extra] = text.split('/');
  const g = granteeSchema.safeParse(memberId === undefined ? { kind: 'organization', orgId } : { kind: 'practitioner', orgId, memberId });
  if (!g.success || extra !== undefined) throw new CareLedgerError('MALFORMED', '--grantee is ORG or ORG/MEMBER', { field: 'grantee' });
  return g.data;
}

export function registerConsent(program: Command): void {
  const consent = program.command('consent').description("manage a patient's consents");
  consent
    .command('grant')
    .description('seal a consent to the custodian and submit it (prints the consent id)')
    .requiredOption('--key <file>', "the patient's (or a delegate's) signing key")
    .requiredOption('--patient <pseudonym>', 'the patient')
    .requiredOption('--custodian <org>', "the patient's custodian organisation")
    .option('--grantee <org[/member]>', 'who is permitted or denied')
    .option('--provision <json>', 'the provision as JSON, or @file', '{"type":"permit"}')
    .option('--fhir <json>', 'a FHIR R4 Consent as JSON, or @file (instead of --grantee/--provision)')
    .option('--url <url>', "the custodian's node URL", 'http://127.0.0.1:8080')
    .action(async (o: { key: string; patient: string; custodian: string; grantee?: string; provision: string; fhir?: string; url: string }) => {
      const key = loadSigningKey(o.key);
      const network = ((await (await fetch(new URL('/ledger/v1/node', o.url))).json()) as { networkId: string }).networkId;
      const base = { network, patient: o.patient, custodianHpkePublicKey: await custodianHpkeKey(o.url, o.custodian) };
      let args;
      if (o.fhir !== undefined) args = sealConsentGrant({ ...base, consent: json(o.fhir, 'fhir') as { [k: string]: unknown } });
      else if (o.grantee !== undefined) args = sealConsentGrant({ ...base, grantee: granteeOf(o.grantee), provision: json(o.provision, 'provision') as Provision });
      else throw new CareLedgerError('MALFORMED', 'give --grantee (and --provision) or --fhir', { field: 'grantee' });
      const envelope = signTx({ network, contract: CONSENT_CONTRACT, action: 'grant', args: { ...args } }, key);
      const res = await fetch(new URL(`/ledger/v1/patients/${encodeURIComponent(o.patient)}/consents`, o.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      process.stdout.write(JSON.stringify(await res.json()) + '\n');
      if (!res.ok) process.exitCode = 1;
    });
}
