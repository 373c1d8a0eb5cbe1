// `careledger demo` and `careledger token`: a one-minute way into the records
// API. `demo --network N` runs a local consortium instead (demo-network.ts).
// Without it, `demo` runs a single node (a fresh temporary data directory unless
// --data-dir is given) seeded, through its own HTTP API as any client would,
// with organisation org1, two practitioners (dr-x, dr-y), a privacy officer,
// an auditor (who reads the full ledger API) and a patient who consents to treatment by dr-x. Each actor's Ed25519 key
// is written under D/demo/ (mode 0600). The node's keyring is sealed by the
// development key-file provider (warned about on stderr), the org admin key
// is in `<D>-keys/` beside the data directory (docs/keys.md). It prints ONE JSON object (URLs, the
// actors with fresh five-minute access tokens, example curl commands) and
// serves until SIGINT/SIGTERM. `token` gets a new access token for a key
// file: SMART backend services (private_key_jwt, EdDSA) for a member, the
// signed challenge for a patient.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { demoFlags, runDemoNetwork, type DemoFlags } from './demo-network.js';
import { memberAccessToken, postJson, submitTx } from './demo-http.js';

export { memberAccessToken } from './demo-http.js';
import { buildServer } from '../api/index.js';
import { ACCESS_TOKEN_TTL_S, PATIENT_AUTH_DOMAIN } from '../auth/index.js';
import { generateSigningKey, signCanonical, signingKeyToPem, toBase64Url, type SigningKey } from '../crypto/index.js';
import { IDENTITY_CONTRACT, pseudonymForTx } from '../contracts/identity/index.js';
import { CONSENT_CONTRACT, sealConsentGrant } from '../contracts/consent/index.js';
import { custodianHpkeKey } from './consent.js';
import { enrolmentCode, enrolmentKey, newEnrolmentSecret } from './enrolment.js';
import { signTx } from '../ledger/index.js';
import { CareLedgerError } from '../errors/index.js';
import { closeNode, developmentKeyWarning, initDevNetwork, isInitialised, keyHome, loadSigningKey, openNode, openRecords, writePrivateFile } from '../node/index.js';

const DEMO_ORG = 'org1';
const MEMBER_SCOPE = 'system/*.cruds';
const OFFICER_SCOPE = 'system/AuditEvent.rs';

interface DemoState {
  networkId: string;
  patient: string;
  /** One-time portal enrolment codes per actor (docs/portal.md); spent once redeemed. */
  enrolmentCodes?: Record<string, string>;
}

interface MemberActor {
  memberId: string;
  keyFile: string;
  keyId: string;
  accessToken: string;
}

interface PatientActor {
  pseudonym: string;
  keyFile: string;
  keyId: string;
  accessToken: string;
}

export async function patientAccessToken(baseUrl: string, key: SigningKey, pseudonym: string): Promise<string> {
  const challenge = (await postJson(`${baseUrl}/auth/challenge`, {})).json['challenge'];
  if (typeof challenge !== 'string') throw new CareLedgerError('UNAVAILABLE', 'no sign-in challenge');
  const payload = { aud: `${baseUrl}/auth/token`, challenge, keyId: key.keyId, pseudonym };
  const signature = toBase64Url(signCanonical(key, PATIENT_AUTH_DOMAIN, payload));
  const { status, json } = await postJson(`${baseUrl}/auth/patient-token`, { pseudonym, keyId: key.keyId, challenge, signature });
  const token = json['access_token'];
  if (status !== 200 || typeof token !== 'string') throw new CareLedgerError('UNAUTHENTICATED', `sign-in refused: ${String(json['error'] ?? status)}`);
  return token;
}

/** A port that was free on `host` a moment ago. */
function pickPort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

function keyFor(dir: string, name: string): SigningKey {
  const file = join(dir, `${name}.pem`);
  if (existsSync(file)) return loadSigningKey(file);
  const key = generateSigningKey();
  writePrivateFile(file, signingKeyToPem(key));
  return key;
}

/** Registers the demo actors and the patient's consent, once per data directory. */
async function seed(baseUrl: string, dataDir: string, demoDir: string, networkId: string): Promise<DemoState> {
  const stateFile = join(demoDir, 'demo.json');
  if (existsSync(stateFile)) return JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState;
  const admin = loadSigningKey(keyHome(dataDir).adminKey);
  const sign = (key: SigningKey, contract: string, action: string, args: Record<string, unknown>) =>
    signTx({ network: networkId, contract, action, args }, key);
  const members: Array<[string, string]> = [
    ['dr-x', 'practitioner'],
    ['dr-y', 'practitioner'],
    ['privacy-officer', 'privacy-officer'],
    ['auditor', 'auditor'],
  ];
  // Each actor also gets a provisional key seeded by a one-time portal enrolment code.
  const secrets = Object.fromEntries([...members.map(([m]) => m), 'patient'].map((a) => [a, newEnrolmentSecret()]));
  for (const [memberId, role] of members) {
    const key = keyFor(demoDir, memberId);
    const keys = [key.keyId, enrolmentKey(secrets[memberId]!).keyId];
    await submitTx(baseUrl, sign(admin, IDENTITY_CONTRACT, 'register-member', { memberId, roles: [role], keys, display: `demo ${memberId}` }));
  }
  const drX = keyFor(demoDir, 'dr-x');
  const patientKey = keyFor(demoDir, 'patient');
  const patientKeys = [patientKey.keyId, enrolmentKey(secrets['patient']!).keyId];
  const patient = pseudonymForTx(await submitTx(baseUrl, sign(drX, IDENTITY_CONTRACT, 'register-patient', { keys: patientKeys })));
  await submitTx(
    baseUrl,
    sign(patientKey, CONSENT_CONTRACT, 'grant', {
      ...sealConsentGrant({
        network: networkId,
        patient,
        custodianHpkePublicKey: await custodianHpkeKey(baseUrl, DEMO_ORG),
        grantee: { kind: 'practitioner', orgId: DEMO_ORG, memberId: 'dr-x' },
        provision: { type: 'permit', actions: ['access', 'collect', 'correct'], purposes: ['TREAT'] },
      }),
    }),
  );
  // The patient's FHIR Patient resource, written by her practitioner (her consent covers collect and correct).
  const token = await memberAccessToken(baseUrl, drX, MEMBER_SCOPE);
  const res = await fetch(`${baseUrl}/fhir/R4/Patient/${patient}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', id: patient, active: true, gender: 'female', birthDate: '1980-02-02' }),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 201 && res.status !== 200) throw new CareLedgerError('INTERNAL', `Patient resource not written: ${res.status}`);
  const enrolmentCodes = Object.fromEntries(
    Object.entries(secrets).map(([a, secret]) => [a, enrolmentCode(a === 'patient' ? patient : `${DEMO_ORG}/${a}`, secret)]),
  );
  const state: DemoState = { networkId, patient, enrolmentCodes };
  writePrivateFile(stateFile, JSON.stringify(state, null, 2) + '\n');
  return state;
}

function curlExamples(fhir: string, ledger: string, a: { drX: MemberActor; drY: MemberActor; privacyOfficer: MemberActor; auditor: MemberActor; patient: PatientActor }) {
  const bearer = (t: string) => `-H 'Authorization: Bearer ${t}'`;
  const obs = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${a.patient.pseudonym}` },
    effectiveDateTime: '2025-01-01T09:00:00Z',
    valueQuantity: { value: 72, unit: 'beats/minute' },
  };
  const p = a.patient.pseudonym;
  return {
    capabilityStatement: `curl -s ${fhir}/metadata`,
    createObservationAsDrX: `curl -s -X POST ${fhir}/Observation ${bearer(a.drX.accessToken)} -H 'Content-Type: application/fhir+json' -d '${JSON.stringify(obs)}'`,
    searchAsDrX: `curl -s '${fhir}/Observation?patient=${p}' ${bearer(a.drX.accessToken)}`,
    readOwnRecordAsPatient: `curl -s '${fhir}/Observation?patient=${p}' ${bearer(a.patient.accessToken)}`,
    deniedWithoutConsentAsDrY: `curl -s -i ${fhir}/Patient/${p} ${bearer(a.drY.accessToken)}`,
    breakGlassAsDrY: `curl -s ${fhir}/Patient/${p} ${bearer(a.drY.accessToken)} -H 'X-Purpose-Of-Use: ETREAT' -H 'X-Break-Glass-Reason: unconscious in the emergency department'`,
    consentsAsPatient: `curl -s ${ledger}/patients/${p}/consents ${bearer(a.patient.accessToken)}`,
    disclosuresAsPatient: `curl -s ${ledger}/patients/${p}/disclosures ${bearer(a.patient.accessToken)}`,
    breakGlassQueueAsPrivacyOfficer: `curl -s ${ledger}/orgs/${DEMO_ORG}/break-glass ${bearer(a.privacyOfficer.accessToken)}`,
    ledgerBlocksAnonymous: `curl -s '${ledger}/blocks?from=0&limit=5'`,
    ledgerBlocksAsAuditor: `curl -s '${ledger}/blocks?from=0&limit=5' ${bearer(a.auditor.accessToken)}`,
  };
}

interface DemoOptions {
  json?: boolean;
  port: string;
  host: string;
  dataDir?: string;
  network?: string;
  etcd?: string;
  tls?: boolean;
}

/**
 * `careledger demo`: the single-node demo, or with --network N the consortium
 * demo (`run`, replaced by a test), where --data-dir keeps the consortium's
 * data as demo-network's --dir does.
 */
export function registerDemo(program: Command, run: (flags: DemoFlags) => Promise<void> = runDemoNetwork): void {
  program
    .command('demo')
    .description('run a seeded single-node demo of the records API and print URLs, actors, tokens and curl examples as JSON; with --network N, a local consortium of N organisations')
    .option('--json', 'print the JSON object on one line')
    .option('--port <port>', 'HTTP port (0: any free port)', '8080')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--data-dir <dir>', 'data directory (default: a fresh temporary directory, removed on exit)')
    .option('--network <n>', 'run a consortium of N organisations (1 to 9), one node process each, on a local etcd cluster')
    .option('--etcd <hosts>', 'with --network: use this etcd cluster instead of starting one')
    .option('--no-tls', 'with --network: plain HTTP nodes and etcd (TLS with a development CA is the default)')
    .action(async (o: DemoOptions, command: Command) => {
      if (o.network !== undefined) {
        // Each node of the consortium gets a free port on 127.0.0.1: a port or host given here would be ignored, so it is refused.
        for (const name of ['port', 'host']) {
          if (command.getOptionValueSource(name) === 'cli') throw new CareLedgerError('MALFORMED', `--${name} does not apply to demo --network`, { field: name });
        }
        await run(demoFlags({ network: o.network, json: o.json, dir: o.dataDir, etcd: o.etcd, tls: o.tls }));
        return;
      }
      if (o.etcd !== undefined) throw new CareLedgerError('MALFORMED', '--etcd applies to demo --network only', { field: 'etcd' });
      if (o.tls === false) throw new CareLedgerError('MALFORMED', '--no-tls applies to demo --network only (the single-node demo serves plain HTTP on loopback)', { field: 'tls' });
      let port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CareLedgerError('MALFORMED', `invalid port ${o.port}`, { field: 'port' });
      if (port === 0) port = await pickPort(o.host);
      const temporary = o.dataDir === undefined;
      const dataDir = resolve(o.dataDir ?? join(mkdtempSync(join(tmpdir(), 'careledger-demo-')), 'node'));
      const baseUrl = `http://${o.host}:${port}`;
      if (!isInitialised(dataDir)) await initDevNetwork(dataDir, { orgId: DEMO_ORG, endpoint: baseUrl });
      const demoDir = join(dataDir, 'demo');
      mkdirSync(demoDir, { recursive: true, mode: 0o700 });

      const opened = openNode(dataDir, {
        onFatal: (e) => {
          process.stderr.write(`careledger: fatal: cannot commit a block: ${(e as Error).message}\n`);
          process.exit(70);
        },
      });
      const warning = developmentKeyWarning(opened.keys);
      if (warning !== undefined) process.stderr.write(`careledger: ${warning}\n`);
      const records = await openRecords(dataDir, opened, baseUrl);
      const { app } = buildServer(opened.node, { logger: false, records, baseUrl });
      let stopping = false;
      const stop = async (code: number) => {
        if (stopping) return;
        stopping = true;
        await app.close();
        await records.close();
        await closeNode(opened);
        if (temporary) rmSync(join(dataDir, '..'), { recursive: true, force: true });
        process.exit(code);
      };
      process.on('SIGINT', () => void stop(0));
      process.on('SIGTERM', () => void stop(0));
      try {
        await app.listen({ port, host: o.host });
        if (opened.config.orgId !== DEMO_ORG) throw new CareLedgerError('CONFLICT', `${dataDir} is not a demo network (organisation ${opened.config.orgId})`);
        const state = await seed(baseUrl, dataDir, demoDir, opened.config.networkId);
        const member = async (memberId: string, scope: string): Promise<MemberActor> => {
          const key = loadSigningKey(join(demoDir, `${memberId}.pem`));
          return { memberId, keyFile: join(demoDir, `${memberId}.pem`), keyId: key.keyId, accessToken: await memberAccessToken(baseUrl, key, scope) };
        };
        const patientKey = loadSigningKey(join(demoDir, 'patient.pem'));
        const actors = {
          drX: await member('dr-x', MEMBER_SCOPE),
          drY: await member('dr-y', MEMBER_SCOPE),
          privacyOfficer: await member('privacy-officer', OFFICER_SCOPE),
          auditor: await member('auditor', OFFICER_SCOPE),
          patient: {
            pseudonym: state.patient,
            keyFile: join(demoDir, 'patient.pem'),
            keyId: patientKey.keyId,
            accessToken: await patientAccessToken(baseUrl, patientKey, state.patient),
          },
        };
        const fhirBaseUrl = `${baseUrl}/fhir/R4`;
        const ledgerUrl = `${baseUrl}/ledger/v1`;
        const cli = 'node dist/src/cli/main.js';
        const out = {
          portalUrl: `${baseUrl}/`,
          enrolmentCodes: state.enrolmentCodes ?? {},
          fhirBaseUrl,
          ledgerUrl,
          tokenUrl: `${baseUrl}/auth/token`,
          network: state.networkId,
          orgId: DEMO_ORG,
          dataDir,
          actors,
          tokensExpireInSeconds: ACCESS_TOKEN_TTL_S,
          newToken: {
            member: `${cli} token --url ${baseUrl} --key ${actors.drX.keyFile}`,
            patient: `${cli} token --url ${baseUrl} --key ${actors.patient.keyFile} --patient ${state.patient}`,
          },
          curl: curlExamples(fhirBaseUrl, ledgerUrl, actors),
        };
        process.stdout.write((o.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
      } catch (error) {
        process.stderr.write(`careledger: demo failed: ${(error as Error).message}\n`);
        await stop(2);
      }
    });
}

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('get a five-minute access token for a key file (a member: SMART backend services; a patient: with --patient)')
    .requiredOption('--key <file>', 'the member\'s or patient\'s Ed25519 key (PKCS#8 PEM)')
    .option('--url <url>', 'node URL', 'http://127.0.0.1:8080')
    .option('--scope <scope>', 'SMART scopes requested by a member', MEMBER_SCOPE)
    .option('--patient <pseudonym>', 'sign in as this patient')
    .action(async (o: { key: string; url: string; scope: string; patient?: string }) => {
      const key = loadSigningKey(o.key);
      const url = o.url.replace(/\/+$/, '');
      const token = o.patient === undefined ? await memberAccessToken(url, key, o.scope) : await patientAccessToken(url, key, o.patient);
      process.stdout.write(`${token}\n`);
    });
}
