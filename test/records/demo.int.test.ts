// `careledger demo --json --port P` as a newcomer would use it: one JSON line
// with URLs, actors (key files 0600, five-minute tokens) and curl examples;
// Dr X's token creates an Observation for the patient, the patient's token
// reads it back, Dr Y is refused; `careledger token` gets a fresh token for a
// key file; SIGTERM stops the demo and removes its temporary data directory.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { CLI, freePort, runCli } from '../helpers/proc.js';
import { observation, poll, type Json } from './fixture.js';

let child: ChildProcess | undefined;

after(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('careledger demo', { timeout: 90_000 }, () => {
  it('prints one JSON object a newcomer can use with curl, serves, and stops cleanly', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [CLI, 'demo', '--json', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));

    const line = await poll(() => {
      if (proc.exitCode !== null) throw new Error(`demo exited ${proc.exitCode}: ${stdout}${stderr}`);
      const nl = stdout.indexOf('\n');
      return nl < 0 ? undefined : stdout.slice(0, nl);
    }, 'the demo JSON line', 60_000);
    const demo = JSON.parse(line) as Json;
    const base = `http://127.0.0.1:${port}`;
    assert.equal(demo.fhirBaseUrl, `${base}/fhir/R4`);
    assert.equal(demo.ledgerUrl, `${base}/ledger/v1`);
    assert.equal(demo.tokenUrl, `${base}/auth/token`);
    assert.equal(demo.network, 'careledger-dev');
    assert.deepEqual(Object.keys(demo.actors).sort(), ['auditor', 'drX', 'drY', 'patient', 'privacyOfficer']);
    assert.deepEqual(
      ['drX', 'drY', 'privacyOfficer', 'auditor'].map((k) => demo.actors[k].memberId),
      ['dr-x', 'dr-y', 'privacy-officer', 'auditor'],
    );
    assert.match(demo.actors.patient.pseudonym, /^pt-[0-9a-f]{32}$/);
    for (const actor of Object.values(demo.actors) as Json[]) {
      assert.match(actor.keyId, /^ed25519:[A-Za-z0-9_-]{43}$/);
      assert.match(actor.accessToken, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      assert.equal(statSync(actor.keyFile).mode & 0o777, 0o600, actor.keyFile);
    }
    assert.equal(demo.tokensExpireInSeconds, 300);
    assert.equal(typeof demo.curl.createObservationAsDrX, 'string');
    assert.ok((demo.curl.createObservationAsDrX as string).startsWith(`curl -s -X POST ${demo.fhirBaseUrl}/Observation`));
    // Only the JSON line on stdout.
    assert.equal(stdout.trim(), line);

    const pt = demo.actors.patient.pseudonym as string;
    const created = await fetch(`${demo.fhirBaseUrl}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.actors.drX.accessToken}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(observation(pt, '8867-4', 72)),
    });
    const obs = (await created.json()) as Json;
    assert.equal(created.status, 201, JSON.stringify(obs));
    const read = await fetch(`${demo.fhirBaseUrl}/Observation/${obs.id}`, { headers: { authorization: `Bearer ${demo.actors.patient.accessToken}` } });
    const got = (await read.json()) as Json;
    assert.equal(read.status, 200, JSON.stringify(got));
    assert.equal(got.valueQuantity.value, 72);
    assert.equal(got.subject.reference, `Patient/${pt}`);
    // Dr X (consented) reads it too; Dr Y (no consent) is refused as for a missing id (issue 9, finding 4: no oracle).
    const byX = await fetch(`${demo.fhirBaseUrl}/Observation/${obs.id}`, { headers: { authorization: `Bearer ${demo.actors.drX.accessToken}` } });
    assert.equal(byX.status, 200);
    const byY = await fetch(`${demo.fhirBaseUrl}/Observation/${obs.id}`, { headers: { authorization: `Bearer ${demo.actors.drY.accessToken}` } });
    assert.equal(byY.status, 404);

    // A new token, as the JSON documents it.
    const fresh = await runCli(['token', '--url', base, '--key', demo.actors.patient.keyFile, '--patient', pt]);
    assert.equal(fresh.code, 0, fresh.stderr);
    const again = await fetch(`${demo.fhirBaseUrl}/Patient/${pt}`, { headers: { authorization: `Bearer ${fresh.stdout.trim()}` } });
    assert.equal(again.status, 200);
    const memberToken = await runCli(['token', '--url', base, '--key', demo.actors.drX.keyFile]);
    assert.equal(memberToken.code, 0, memberToken.stderr);
    const search = await fetch(`${demo.fhirBaseUrl}/Observation?patient=${pt}`, { headers: { authorization: `Bearer ${memberToken.stdout.trim()}` } });
    assert.equal(((await search.json()) as Json).total, 1);

    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const exit = await exited;
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    assert.equal(existsSync(demo.dataDir), false, 'the temporary data directory is removed');
  });
});
