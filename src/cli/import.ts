// `careledger import FILE|DIR`: loads Synthea output (transaction bundles as
// .json, Bulk Data NDJSON as .ndjson) into a node's FHIR endpoint as a member
// of the custodian organisation. Each Patient is registered by its bundle
// (identity/register-patient signed with the member's key, the patient's
// provisional key seeded by a fresh enrolment code; docs/fhir.md). The codes
// go to a file (mode 0600) for the organisation to hand to its patients.
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { IDENTITY_CONTRACT, pseudonymForTx } from '../contracts/identity/index.js';
import type { SigningKey } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { REGISTRATION_EXTENSION } from '../fhir/types.js';
import { signTx, txIdOf } from '../ledger/index.js';
import { loadSigningKey, writePrivateFile } from '../node/index.js';
import { memberAccessToken } from './demo.js';
import { enrolmentCode, enrolmentKey, newEnrolmentSecret } from './enrolment.js';
import { planBundle, planResources, type ImportUnit, type Resource } from './import-plan.js';

export interface ImportOptions {
  /** Node URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The member's key (practitioner or org admin of the custodian). */
  key: SigningKey;
  paths: readonly string[];
  /** Where the patients' enrolment codes are appended (mode 0600); none written when undefined. */
  codesFile?: string;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface ImportReport {
  bundles: number;
  resources: number;
  /** Source Patient id (fullUrl) -> minted pseudonym. */
  patients: Map<string, string>;
  /** Per sent entry: its request URL or fullUrl -> `Type/id` on the node. */
  locations: Map<string, string>;
}

const IMPORT_SCOPE = 'system/*.cruds';

/** Reads every .json and .ndjson under the paths (sorted), as import units. */
export function readImportUnits(paths: readonly string[]): ImportUnit[] {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).sort().map((f) => join(p, f)) : [p]))
    .filter((f) => f.endsWith('.json') || f.endsWith('.ndjson'));
  const loose: Resource[] = [];
  const units: ImportUnit[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.ndjson')) {
      for (const [n, line] of text.split('\n').entries()) if (line.trim() !== '') loose.push(parseResource(line, `${file}:${n + 1}`));
      continue;
    }
    const value = parseResource(text, file);
    if (value.resourceType === 'Bundle') units.push(...planBundle(value as { type?: unknown; entry?: unknown }));
    else loose.push(value);
  }
  // Shared resources first (NDJSON files come in name order; Synthea's hospital and practitioner bundles sort first too).
  return [...planResources(loose), ...units];
}

function parseResource(text: string, where: string): Resource {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CareLedgerError('MALFORMED', `${where} is not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || typeof (value as Resource).resourceType !== 'string') {
    throw new CareLedgerError('MALFORMED', `${where} is not a FHIR resource`);
  }
  return value as Resource;
}

/** Loads the units through POST {url}/fhir/R4 (transaction bundles), registering each POSTed Patient. */
export async function importUnits(options: ImportOptions, units: readonly ImportUnit[]): Promise<ImportReport> {
  const base = options.url.replace(/\/+$/, '');
  const network = ((await (await fetch(`${base}/ledger/v1/node`)).json()) as { networkId: string }).networkId;
  let token = await memberAccessToken(base, options.key, IMPORT_SCOPE);
  let tokenAt = Date.now();
  const report: ImportReport = { bundles: 0, resources: 0, patients: new Map(), locations: new Map() };
  const total = units.reduce((n, u) => n + u.entries.length, 0);
  for (const unit of units) {
    const codes: string[] = [];
    const entries = unit.entries.map((entry) => {
      if (entry.request.method !== 'POST' || entry.request.url !== 'Patient' || entry.request['extension'] !== undefined) return entry;
      const secret = newEnrolmentSecret();
      const envelope = signTx({ network, contract: IDENTITY_CONTRACT, action: 'register-patient', args: { keys: [enrolmentKey(secret).keyId] } }, options.key);
      const pseudonym = pseudonymForTx(txIdOf(envelope.tx));
      if (entry.fullUrl !== undefined) report.patients.set(entry.fullUrl, pseudonym);
      codes.push(`${entry.fullUrl ?? ''}\t${pseudonym}\t${enrolmentCode(pseudonym, secret)}\n`);
      return { ...entry, request: { ...entry.request, extension: [{ url: REGISTRATION_EXTENSION, valueString: JSON.stringify(envelope) }] } };
    });
    // Tokens last five minutes; a long import asks again.
    if (Date.now() - tokenAt > 120_000) [token, tokenAt] = [await memberAccessToken(base, options.key, IMPORT_SCOPE), Date.now()];
    const res = await fetch(`${base}/fhir/R4`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}`, prefer: 'return=minimal' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }),
      signal: AbortSignal.timeout(600_000),
    });
    const body = (await res.json()) as { entry?: Array<{ response?: { location?: string } }>; issue?: Array<{ expression?: string[]; details?: { text?: string } }> };
    if (res.status !== 200) {
      const issues = (body.issue ?? []).map((i) => `  ${i.expression?.join(', ') ?? ''}: ${i.details?.text ?? ''}`).join('\n');
      throw new CareLedgerError('UNPROCESSABLE', `${unit.label}: the node answered ${res.status}\n${issues}`);
    }
    if (options.codesFile !== undefined && codes.length > 0) appendCodes(options.codesFile, codes.join(''));
    (body.entry ?? []).forEach((e, i) => {
      const sent = entries[i];
      const location = e.response?.location?.replace(/^.*\/fhir\/R4\//, '').replace(/\/_history\/.*$/, '');
      if (sent !== undefined && location !== undefined) report.locations.set(sent.fullUrl ?? sent.request.url, location);
    });
    report.bundles += 1;
    report.resources += entries.length;
    options.onProgress?.(report.resources, total, unit.label);
  }
  return report;
}

function appendCodes(file: string, text: string): void {
  try {
    statSync(file);
    appendFileSync(file, text, { mode: 0o600 });
  } catch {
    writePrivateFile(file, text);
  }
}

/** A one-line progress bar on a terminal, a line per bundle otherwise. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): (done: number, total: number, label: string) => void {
  const started = Date.now();
  return (done, total, label) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} resources, ${rate.toFixed(0)}/s (${label})`;
    stream.write(stream.isTTY ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load Synthea output (transaction bundles .json, Bulk Data .ndjson) into the node, registering each patient')
    .argument('<paths...>', 'files or directories')
    .requiredOption('--key <file>', "a practitioner's or org admin's key of the custodian organisation (PKCS#8 PEM)")
    .option('--url <url>', 'node URL', 'http://127.0.0.1:8080')
    .option('--codes <file>', "append each registered patient's enrolment code here (mode 0600)", 'enrolment-codes.tsv')
    .action(async (paths: string[], o: { key: string; url: string; codes: string }) => {
      const units = readImportUnits(paths);
      const report = await importUnits({ url: o.url, key: loadSigningKey(o.key), paths, codesFile: o.codes, onProgress: progressBar() }, units);
      process.stdout.write(`${JSON.stringify({ bundles: report.bundles, resources: report.resources, patients: report.patients.size })}\n`);
    });
}
