// `careledger trials ...` (issue 13): the participant's signed statements
// (consent to a protocol version, withdrawal) made with a trial-only key;
// sponsor and investigator transactions (register, amend, lock,
// declare-results, sign-entry) signed with the person's own key; the audit
// trail from a site's node; and `verify-dataset`, which checks a dataset file
// row by row against the anchors (of an audit export offline, or of a node)
// and names tampered, stale, extra and missing rows (exit code 1 if any).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TRIAL_CONSENT_DOMAIN, consentStatement, withdrawalStatement, type CrfAnchor } from '../contracts/trials/index.js';
import { signCanonical, toBase64Url } from '../crypto/index.js';
import { CareLedgerError, parseOrThrow } from '../errors/index.js';
import { signTx } from '../ledger/index.js';
import { loadSigningKey } from '../node/index.js';
import { datasetSchema, verifyDatasetRows, type DatasetVerdict } from '../trials/index.js';

const TRIALS_ACTIONS = ['register', 'amend', 'lock', 'declare-results', 'sign-entry'];

function readJson(file: string, field: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', `--${field} is not a readable JSON file`, { field, cause });
  }
}

async function networkOf(url: string): Promise<string> {
  return ((await (await fetch(new URL('/ledger/v1/node', url), { signal: AbortSignal.timeout(30_000) })).json()) as { networkId: string }).networkId;
}

/** The anchors of an audit export, for the participants of `site` (all when undefined). */
export function anchorsOfAudit(audit: unknown, site: string | undefined): CrfAnchor[] {
  const a = audit as { format?: unknown; entries?: CrfAnchor[]; participants?: Array<{ participant: string; site: string }> };
  if (a.format !== 'careledger.trial-audit/1' || !Array.isArray(a.entries) || !Array.isArray(a.participants)) {
    throw new CareLedgerError('MALFORMED', 'not a trial audit export', { field: 'audit' });
  }
  const inScope = new Set(a.participants.filter((p) => site === undefined || p.site === site).map((p) => p.participant));
  return a.entries.filter((e) => inScope.has(e.participant));
}

/** One line per finding, naming the row. */
export function renderVerdict(v: DatasetVerdict): string {
  const lines = [`${v.ok ? 'OK' : 'FAILED'}: ${v.rows} rows, ${v.matched} match their anchors`];
  for (const r of v.tampered) lines.push(`tampered: row ${r.row} (${r.participant} ${r.visit}/${r.form} v${r.version})`);
  for (const r of v.stale) lines.push(`stale: row ${r.row} (${r.participant} ${r.visit}/${r.form} v${r.version}, latest v${r.latest})`);
  for (const r of v.extra) lines.push(`extra (${r.why}): row ${r.row} (${r.participant} ${r.visit}/${r.form} v${r.version})`);
  for (const r of v.missing) lines.push(`missing: ${r.participant} ${r.visit}/${r.form} v${r.version}`);
  return lines.join('\n') + '\n';
}

export function registerTrials(program: Command): void {
  const trials = program.command('trials').description('clinical trials: statements, transactions, audit trail, dataset verification');
  trials
    .command('statement')
    .description("sign a participant's consent (with --version) or withdrawal with a trial-only key; prints the attestation JSON")
    .requiredOption('--key <file>', "the participant's (or representative's) trial-only key")
    .requiredOption('--network <id>', 'the network id')
    .requiredOption('--trial <id>', 'the trial')
    .requiredOption('--participant <tp>', 'the per-trial pseudonym')
    .option('--version <n>', 'the protocol version consented to (omit for a withdrawal)')
    .action((o: { key: string; network: string; trial: string; participant: string; version?: string }) => {
      const key = loadSigningKey(o.key);
      const statement =
        o.version === undefined ? withdrawalStatement(o.network, o.trial, o.participant) : consentStatement(o.network, o.trial, o.participant, Number(o.version));
      process.stdout.write(JSON.stringify({ keyId: key.keyId, sig: toBase64Url(signCanonical(key, TRIAL_CONSENT_DOMAIN, statement)) }) + '\n');
    });
  trials
    .command('tx <action>')
    .description(`sign and submit a trials transaction with your own key (${TRIALS_ACTIONS.join(', ')})`)
    .requiredOption('--key <file>', 'the sponsor or investigator member key')
    .requiredOption('--args <file>', 'the action arguments as a JSON file')
    .option('--url <url>', 'a node URL', 'http://127.0.0.1:8080')
    .action(async (action: string, o: { key: string; args: string; url: string }) => {
      if (!TRIALS_ACTIONS.includes(action)) throw new CareLedgerError('MALFORMED', `action is one of ${TRIALS_ACTIONS.join(', ')}`, { field: 'action' });
      const envelope = signTx({ network: await networkOf(o.url), contract: 'trials', action, args: readJson(o.args, 'args') as Record<string, unknown> }, loadSigningKey(o.key));
      const res = await fetch(new URL('/ledger/v1/transactions?wait=commit', o.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
      const body = (await res.json()) as { results?: Array<{ code: string }> };
      process.stdout.write(JSON.stringify(body) + '\n');
      if (!res.ok || body.results?.[0]?.code !== 'OK') process.exitCode = 1;
    });
  trials
    .command('audit')
    .description("the trial's audit trail from a site's node (JSON, or --text for the readable report)")
    .requiredOption('--trial <id>', 'the trial')
    .requiredOption('--token <bearer>', 'an access token of a sponsor member, site investigator or auditor')
    .option('--text', 'the readable report')
    .option('--url <url>', "a site's node URL", 'http://127.0.0.1:8080')
    .action(async (o: { trial: string; token: string; text?: boolean; url: string }) => {
      const res = await fetch(new URL(`/trials/v1/trials/${encodeURIComponent(o.trial)}/audit?format=${o.text === true ? 'text' : 'json'}`, o.url), {
        headers: { authorization: `Bearer ${o.token}` },
      });
      process.stdout.write(await res.text());
      if (!res.ok) process.exitCode = 1;
    });
  trials
    .command('verify-dataset <file>')
    .description('check a dataset file row by row against the anchors; names tampered, stale, extra and missing rows')
    .option('--audit <file>', 'an audit trail export to check against (offline; re-verify it against the ledger first)')
    .option('--url <url>', "a site's node URL to check against (with --token)")
    .option('--token <bearer>', 'an access token of a party to the trial')
    .action(async (file: string, o: { audit?: string; url?: string; token?: string }) => {
      const dataset = parseOrThrow(datasetSchema, readJson(file, 'file'), 'dataset');
      let verdict: DatasetVerdict;
      if (o.audit !== undefined) {
        verdict = verifyDatasetRows(dataset, anchorsOfAudit(readJson(o.audit, 'audit'), dataset.site));
      } else if (o.url !== undefined && o.token !== undefined) {
        const res = await fetch(new URL(`/trials/v1/trials/${encodeURIComponent(dataset.trialId)}/dataset/verify`, o.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
          body: JSON.stringify(dataset),
        });
        if (!res.ok) throw new CareLedgerError('UNAVAILABLE', `the node answered ${res.status}`);
        verdict = (await res.json()) as DatasetVerdict;
      } else {
        throw new CareLedgerError('MALFORMED', 'give --audit FILE, or --url and --token', { field: 'audit' });
      }
      process.stdout.write(renderVerdict(verdict));
      if (!verdict.ok) process.exitCode = 1;
    });
}
