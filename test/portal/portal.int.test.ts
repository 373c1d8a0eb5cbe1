// The portal end to end in Debian's Chromium (issue 16's acceptance): from
// `careledger demo`, each actor in their own browser context enrols with
// their one-time code (a key made in the browser, bound by a rotation signed
// in the browser) and signs in; Dr X writes an Observation through the form
// (an invalid value first: the OperationOutcome's error appears beside the
// field); the patient sees it, revokes Dr X's consent, and Dr X's next read
// is refused with the explanation; Dr Y breaks the glass and the patient sees
// it in "who saw my data" (and checks in the browser that the access log is
// complete and anchored), the privacy officer in the queue; the explorer
// verifies a real inclusion proof and checkpoint signature in the browser and
// names the failed step of a proof tampered with in flight. Also: the CSP
// and security headers, a record holding <img onerror> and <script> renders
// inert, no health data in any browser storage after sign-out, axe (wcag2a,
// wcag2aa, wcag21aa) reports no serious or critical violation on any page,
// actions work from the keyboard, and pages fit 360 px. Screenshots go to
// test-results/portal/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI, freePort, runCli } from '../helpers/proc.js';
import { poll, type Json } from '../records/fixture.js';
import { chromiumSkip, launchChromium, outputDir } from './browser.js';

// Browser globals used inside page.evaluate callbacks (this program compiles without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any, document: any, indexedDB: any, localStorage: any, sessionStorage: any, caches: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const skip = chromiumSkip();
const OUT = outputDir('portal');
const XSS_IMG = '<img src=x onerror="window.__xss=1">';
const XSS_SCRIPT = '<script>window.__xss=2</script>';

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let demo: Json;
let base = '';
const contexts: BrowserContext[] = [];

async function newPage(width = 1024): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

/** axe with the tags; serious and critical violations fail. */
async function assertAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${what}: axe violations`);
}

/** Enrols with a one-time code from the keyboard only, and waits for the landing page. */
async function enrol(page: Page, code: string, landing: RegExp): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Enrolment code from your organisation').waitFor();
  await page.getByLabel('Enrolment code from your organisation').focus();
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await page.waitForURL(landing, { timeout: 30_000 });
}

async function pageFits(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${what}: ${scroll}px wide in a ${client}px viewport`);
}

async function ledgerTxIds(): Promise<string[]> {
  // A fresh auditor token (the demo's are five minutes old by now).
  const token = await runCli(['token', '--url', base, '--key', demo.actors.auditor.keyFile]);
  assert.equal(token.code, 0, token.stderr);
  const res = await fetch(`${base}/ledger/v1/blocks?from=0&limit=100`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
  const body = (await res.json()) as Json;
  assert.equal(res.status, 200, JSON.stringify(body));
  return (body.blocks as Json[]).flatMap((b) => (b.txs as Json[]).map((t) => t.txId as string));
}

describe('the web portal in Chromium', { skip, timeout: 300_000 }, () => {
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, [CLI, 'demo', '--json', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    proc.stderr.resume();
    const line = await poll(() => {
      if (proc.exitCode !== null) throw new Error(`demo exited ${proc.exitCode}`);
      const nl = stdout.indexOf('\n');
      return nl < 0 ? undefined : stdout.slice(0, nl);
    }, 'the demo JSON line', 90_000);
    demo = JSON.parse(line) as Json;
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  let patient: Page;
  let drX: Page;
  let drY: Page;
  let officer: Page;
  const pseudonym = () => demo.actors.patient.pseudonym as string;

  it('serves the portal at / with a strict CSP and security headers; the demo prints its URL and a code per actor', async () => {
    assert.equal(demo.portalUrl, `${base}/`);
    assert.deepEqual(Object.keys(demo.enrolmentCodes).sort(), ['auditor', 'dr-x', 'dr-y', 'patient', 'privacy-officer']);
    assert.match(demo.enrolmentCodes.patient, new RegExp(`^${pseudonym()}:([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{2}$`));
    assert.match(demo.enrolmentCodes['dr-x'], /^org1\/dr-x:/);
    const page = await newPage();
    const res = await page.goto(`${base}/`);
    const h = res!.headers();
    assert.equal(res!.status(), 200);
    assert.equal(
      h['content-security-policy'],
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
    );
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.equal(h['x-frame-options'], 'DENY');
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['cache-control'], 'no-store');
    const html = await (await fetch(`${base}/`)).text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /https?:\/\//, 'no remote origin');
    await page.getByRole('heading', { name: 'Sign in to CareLedger' }).waitFor();
    await assertAccessible(page, 'sign-in');
    await shot(page, '01-sign-in');
  });

  it('Dr X enrols in his browser and writes an Observation; an invalid value shows the OperationOutcome error beside the field', async () => {
    drX = await newPage();
    await enrol(drX, demo.enrolmentCodes['dr-x'], /#\/clinician$/);
    // The code is spent: the rotation revoked its provisional key.
    const again = await newPage();
    await again.goto(`${base}/`);
    await again.getByLabel('Enrolment code from your organisation').fill(demo.enrolmentCodes['dr-x']);
    await again.getByRole('button', { name: 'Enrol and sign in' }).click();
    await again.getByRole('alert').filter({ hasText: 'REVOKED_SIGNER' }).waitFor();

    await drX.getByLabel('Patient pseudonym').fill(pseudonym());
    await drX.getByLabel('What was observed').fill('Heart rate');
    await drX.getByLabel('Value').fill('seventy-two');
    await drX.getByLabel('Unit').fill('beats/minute');
    await drX.getByRole('button', { name: 'Save Observation' }).click();
    const valueError = drX.locator('#err-value');
    await valueError.waitFor();
    assert.equal(await valueError.textContent(), 'Invalid JSON type: expected number, but got string (Observation.value[x].value)');
    assert.equal(await drX.getByLabel('Value').getAttribute('aria-invalid'), 'true');
    await shot(drX, '02-clinician-inline-error');
    await drX.getByLabel('Value').fill('72');
    await drX.getByRole('button', { name: 'Save Observation' }).click();
    await drX.getByRole('status').filter({ hasText: 'Observation saved.' }).waitFor();
    await drX.locator('.timeline').getByText('Heart rate').waitFor();
    await assertAccessible(drX, 'clinician');
    await shot(drX, '03-clinician-record');

    // A record whose text is markup, written through the API with Dr X's demo token.
    const res = await fetch(`${demo.fhirBaseUrl}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.actors.drX.accessToken}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: XSS_IMG }, subject: { reference: `Patient/${pseudonym()}` }, valueString: XSS_SCRIPT }),
    });
    assert.equal(res.status, 201);
  });

  it('the patient enrols, sees Dr X\'s record (markup inert), consents as sentences, revokes Dr X from the keyboard and consents to Dr Y', async () => {
    patient = await newPage();
    await enrol(patient, demo.enrolmentCodes.patient, /#\/patient$/);
    const timeline = patient.locator('.timeline');
    await timeline.getByText('Heart rate').waitFor();
    assert.match((await timeline.textContent()) ?? '', /72 beats\/minute/);
    // Inert: the markup shows as text, creates no element and runs nothing.
    await timeline.getByText(XSS_IMG).waitFor();
    await timeline.getByText(XSS_SCRIPT).waitFor();
    assert.equal(await patient.locator('.timeline img, .timeline script').count(), 0);
    assert.equal(await patient.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    const consent = patient.locator('li.consent');
    await consent.filter({ hasText: 'dr-x at org1 may read, add and correct all my records for treatment.' }).waitFor();
    await assertAccessible(patient, 'patient');
    await shot(patient, '04-patient');
    const revoke = patient.getByRole('button', { name: /^Revoke/ });
    await revoke.focus();
    await patient.keyboard.press('Enter');
    await patient.getByRole('status').filter({ hasText: /Consent cns_\S+ is revoked\./ }).waitFor({ timeout: 30_000 });
    await consent.filter({ hasText: 'revoked' }).waitFor();
    assert.equal(await patient.getByRole('button', { name: /^Revoke/ }).count(), 0);
    await shot(patient, '04b-patient-revoked');

    // A new consent, sealed with HPKE and signed in the browser, opened and checked by the custodian node.
    await patient.getByLabel('Organisation', { exact: true }).fill('org1');
    await patient.getByLabel('Practitioner', { exact: true }).fill('dr-y');
    await patient.getByLabel('Only these record types (comma-separated, empty for all)').fill('Observation');
    await patient.getByLabel('Until (optional)').fill('2027-03-01');
    await patient.getByRole('button', { name: 'Give consent' }).click();
    await patient.getByRole('status').filter({ hasText: /Consent cns_\S+ is given\./ }).waitFor({ timeout: 30_000 });
    await consent.filter({ hasText: 'dr-y at org1 may read Observations for treatment until 1 March 2027.' }).filter({ hasText: 'active' }).waitFor();
  });

  it('Dr X\'s next read in his own browser is refused with the explanation', async () => {
    await drX.getByRole('button', { name: 'Open record' }).click();
    const refused = drX.locator('section.refused');
    await refused.waitFor();
    assert.equal(
      (await refused.locator('.explanation').textContent())?.trim(),
      'No active consent of this patient lets you read Observation resources for TREAT: it was never granted, or it was revoked.',
    );
    assert.equal(await drX.locator('.timeline').count(), 0);
    await assertAccessible(drX, 'clinician refused');
    await shot(drX, '05-clinician-refused');
  });

  it('Dr Y breaks the glass with a reason; the patient sees it in "who saw my data", the officer in the queue', async () => {
    drY = await newPage();
    await enrol(drY, demo.enrolmentCodes['dr-y'], /#\/clinician$/);
    await drY.getByLabel('Patient pseudonym').fill(pseudonym());
    await drY.getByRole('button', { name: 'Break the glass…' }).click();
    const read = drY.getByRole('button', { name: 'Read the record in an emergency' });
    assert.equal(await read.isDisabled(), true, 'no reason, no emergency read');
    await drY.getByLabel('Reason (at least three words)').fill('unconscious in the emergency department');
    await read.click();
    await drY.locator('.timeline').getByText('Heart rate').waitFor();
    await drY.getByRole('status').filter({ hasText: 'reviewed by the privacy officer' }).waitFor();
    await shot(drY, '06-break-glass');

    await patient.getByRole('link', { name: 'Ledger explorer' }).click();
    await patient.getByRole('heading', { name: 'Ledger explorer' }).waitFor();
    await patient.getByRole('link', { name: 'My record' }).click();
    const row = patient.locator('tr.glass');
    await row.first().waitFor();
    assert.match((await row.first().textContent()) ?? '', /dr-y.*unconscious in the emergency department/s);
    await patient.locator('.chart canvas').first().waitFor();
    // The patient checks, in the browser, that the log is complete and anchored in the signed ledger.
    await patient.getByRole('button', { name: 'Check my access log in this browser' }).click();
    const verdict = patient.locator('.verdict');
    await verdict.waitFor({ timeout: 30_000 });
    assert.match((await verdict.textContent()) ?? '', /Your access log is complete and anchored in the ledger\./);
    const names = (await verdict.locator('.steps li span').allTextContents()).map((t) => t.replace(/^. /, ''));
    assert.deepEqual(names.slice(0, 3), ['chain complete', 'events match the chain', 'anchored on the ledger']);
    assert.equal(names.at(-1), 'anchor checkpoint signature');
    assert.equal(await verdict.locator('.steps li.bad').count(), 0);
    await shot(patient, '07-patient-who-saw');

    officer = await newPage();
    await enrol(officer, demo.enrolmentCodes['privacy-officer'], /#\/officer$/);
    const item = officer.locator('li.card').filter({ hasText: 'unconscious in the emergency department' });
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /dr-y at org1 read the record of pt-/);
    assert.match((await item.textContent()) ?? '', /Status: pending/);
    await assertAccessible(officer, 'officer');
    await shot(officer, '08-officer-queue');
    await item.getByRole('button', { name: 'Justified', exact: true }).click();
    await officer.getByRole('status').filter({ hasText: 'marked justified' }).waitFor({ timeout: 30_000 });
    await officer.locator('li.card').filter({ hasText: 'Status: reviewed' }).waitFor();
  });

  it('the explorer verifies a real proof in the browser, and names the failed step of a tampered one', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/explorer`);
    await page.getByRole('heading', { name: 'Ledger explorer' }).waitFor();
    await page.locator('pre').filter({ hasText: 'careledger-dev' }).waitFor();
    const ids = await ledgerTxIds();
    const txId = ids[Math.floor(ids.length / 2)]!;
    await page.getByLabel('Transaction id').fill(txId);
    await page.getByRole('button', { name: 'Verify' }).click();
    const verdict = page.locator('.verdict');
    await verdict.waitFor();
    assert.match((await verdict.textContent()) ?? '', /Verified: the transaction is in the log the node signed\./);
    assert.deepEqual(
      await page.locator('.steps li.ok span').allTextContents(),
      ['✓ leaf hash', '✓ proof position', '✓ inclusion proof', '✓ checkpoint form', '✓ tree size', '✓ root matches checkpoint', '✓ signer registered', '✓ checkpoint signature'],
    );
    await assertAccessible(page, 'explorer');
    await shot(page, '09-explorer-verified');

    // Tamper in flight: flip one bit of the first proof hash.
    await page.route('**/ledger/v1/transactions/*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Json;
      const h = Buffer.from(body.proof.hashes[0] as string, 'base64url');
      h[0] = h[0]! ^ 1;
      body.proof.hashes[0] = h.toString('base64url');
      await route.fulfill({ response, json: body });
    });
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('.verdict.fail').waitFor();
    assert.match((await page.locator('.verdict').textContent()) ?? '', /Verification failed at step “root matches checkpoint”\./);
    assert.equal(await page.locator('.steps li.bad').textContent(), '✗ root matches checkpoint: the proof\'s root differs from the checkpoint\'s root');
    await shot(page, '10-explorer-tampered');
  });

  it('pages fit 360 px', async () => {
    const narrow = await newPage(360);
    await narrow.goto(`${base}/`);
    await narrow.getByRole('heading', { name: 'Sign in to CareLedger' }).waitFor();
    await pageFits(narrow, 'sign-in');
    await narrow.goto(`${base}/#/explorer`);
    await narrow.locator('pre').filter({ hasText: 'careledger-dev' }).waitFor();
    await pageFits(narrow, 'explorer');
    await shot(narrow, '11-explorer-360');
    for (const [page, what] of [[patient, 'patient'], [drX, 'clinician'], [officer, 'officer']] as const) {
      await page.setViewportSize({ width: 360, height: 800 });
      await pageFits(page, what);
      await shot(page, `12-${what}-360`);
    }
  });

  it('a PKCS#8 key file (the demo\'s) imports non-extractable and signs in', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('a member of an organisation').check();
    await page.getByLabel('Organisation/member (e.g. org1/dr-x)').fill('org1/auditor');
    await page.getByLabel('PKCS#8 key file (.pem)').setInputFiles(demo.actors.auditor.keyFile);
    await page.getByRole('button', { name: 'Import and sign in' }).click();
    await page.waitForURL(/#\/clinician$/);
    await page.getByText('auditor at org1').waitFor();
    const stored = await page.evaluate(
      () =>
        new Promise<Json>((res) => {
          const r = indexedDB.open('careledger-keys');
          r.onsuccess = () => {
            const get = r.result.transaction('keys').objectStore('keys').getAll();
            get.onsuccess = () => res(get.result.map((k: Json) => ({ keyId: k.keyId, extractable: k.privateKey.extractable })));
          };
        }),
    );
    assert.deepEqual(stored, [{ keyId: demo.actors.auditor.keyId, extractable: false }]);
  });

  it('after a reload the stored key signs in again', async () => {
    await officer.reload();
    const signIn = officer.getByRole('button', { name: 'Sign in as privacy-officer at org1' });
    await signIn.waitFor();
    await signIn.click();
    await officer.waitForURL(/#\/officer$/);
    await officer.locator('li.card').filter({ hasText: 'unconscious in the emergency department' }).waitFor();
  });

  it('after sign-out no health data is left in any browser storage', async () => {
    await patient.getByRole('button', { name: 'Sign out' }).click();
    await patient.getByRole('heading', { name: 'Sign in to CareLedger' }).waitFor();
    const left = await patient.evaluate(async () => {
      const idb: Record<string, unknown[]> = {};
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<Json>((res, rej) => {
          const r = indexedDB.open(info.name!);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          idb[`${info.name}/${store}`] = await new Promise<unknown[]>((res, rej) => {
            const r = db.transaction(store).objectStore(store).getAll();
            r.onsuccess = () => res((r.result as Array<Record<string, unknown>>).map((v) => JSON.stringify({ ...v, privateKey: (v['privateKey'] as { extractable: boolean }).extractable })));
            r.onerror = () => rej(r.error);
          });
        }
        db.close();
      }
      return { local: localStorage.length, session: sessionStorage.length, caches: (await caches.keys()).length, cookies: document.cookie, idb, text: document.body.innerText };
    });
    assert.equal(left.local, 0);
    assert.equal(left.session, 0);
    assert.equal(left.caches, 0);
    assert.equal(left.cookies, '');
    assert.deepEqual(Object.keys(left.idb), ['careledger-keys/keys']);
    const rows = left.idb['careledger-keys/keys']!.map((r) => JSON.parse(r as string) as Json);
    assert.equal(rows.length, 1);
    assert.deepEqual(Object.keys(rows[0]).sort(), ['createdAt', 'identity', 'keyId', 'privateKey']);
    assert.equal(rows[0].privateKey, false, 'the stored private key is not extractable');
    assert.deepEqual(rows[0].identity, { kind: 'patient', pseudonym: pseudonym() });
    for (const marker of ['Heart rate', 'unconscious', 'onerror', 'beats/minute']) {
      assert.ok(!JSON.stringify(left.idb).includes(marker), `IndexedDB holds ${marker}`);
      assert.ok(!left.text.includes(marker), `the page still shows ${marker}`);
    }
  });
});
