// The portal's budgets (issue 16), measured, not tested: `npm run build &&
// node dist/bench/portal-budgets.js [--json]`.
//  1. JavaScript shipped per page, gzipped: the entry chunk plus the page's
//     chunk and every chunk it imports statically (from Vite's manifest).
//     Budget 80 KB.
//  2. First render of the patient timeline with 1,000 resources in headless
//     Chromium: a demo node, 1,000 resources (the Patient and 999
//     Observations Dr X writes in transaction Bundles), the patient
//     enrolled in the browser; time from opening the page to the last row
//     (999 rows: the Patient is not a row) in the DOM (the node's $everything, parse, render). Budget 1 s. Median
//     of 5.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { portalRoot } from '../src/api/portal-routes.js';
import { CLI, freePort } from '../test/helpers/proc.js';
import { launchChromium } from '../test/portal/browser.js';

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  isEntry?: boolean;
}

const PAGES = ['signin', 'patient', 'clinician', 'officer', 'explorer'];

export function jsPerPage(root = portalRoot()): Record<string, number> {
  const manifest = JSON.parse(readFileSync(join(root, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const closure = (key: string, seen: Set<string>) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const i of manifest[key]?.imports ?? []) closure(i, seen);
  };
  const gz = (keys: Set<string>) => [...keys].reduce((n, k) => n + gzipSync(readFileSync(join(root, manifest[k]!.file))).length, 0);
  const out: Record<string, number> = {};
  for (const page of PAGES) {
    const keys = new Set<string>();
    closure('index.html', keys);
    closure(`src/pages/${page}.tsx`, keys);
    out[page] = gz(keys);
  }
  return out;
}

function observation(i: number): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
    valueQuantity: { value: 60 + (i % 40), unit: 'beats/minute' },
    performer: [{ display: 'dr-x' }],
  };
}

async function timelineRenderMs(runs = 5): Promise<Array<{ totalMs: number; fetchMs: number }>> {
  const port = await freePort();
  const proc = spawn(process.execPath, [CLI, 'demo', '--json', '--port', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      proc.once('exit', (code) => reject(new Error(`demo exited ${code}`)));
    });
    const demo = JSON.parse(line) as { enrolmentCodes: Record<string, string>; actors: { patient: { pseudonym: string }; drX: { accessToken: string } } };
    const base = `http://127.0.0.1:${port}`;
    // 1,000 real records, written by Dr X in one FHIR transaction Bundle.
    const pseudonym = demo.actors.patient.pseudonym;
    const entry = Array.from({ length: 999 }, (_, i) => ({
      resource: { ...observation(i), id: undefined, subject: { reference: `Patient/${pseudonym}` } },
      request: { method: 'POST', url: 'Observation' },
    }));
    for (let at = 0; at < entry.length; at += 111) {
      const res = await fetch(`${base}/fhir/R4`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demo.actors.drX.accessToken}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entry.slice(at, at + 111) }),
      });
      if (res.status !== 200) throw new Error(`the records were not written: ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      await page.getByLabel('Enrolment code from your organisation').fill(demo.enrolmentCodes['patient']!);
      await page.getByRole('button', { name: 'Enrol and sign in' }).click();
      await page.waitForURL(/#\/patient$/, { timeout: 60_000 });
      await page.locator('.timeline li').nth(998).waitFor({ timeout: 60_000 });
      const times: Array<{ totalMs: number; fetchMs: number }> = [];
      for (let i = 0; i < runs; i++) {
        await page.getByRole('link', { name: 'Ledger explorer' }).click();
        await page.getByRole('heading', { name: 'Ledger explorer' }).waitFor();
        const t0 = Date.now();
        await page.getByRole('link', { name: 'My record' }).click();
        await page.locator('.timeline li').nth(998).waitFor({ timeout: 60_000 });
        const totalMs = Date.now() - t0;
        // How much of it was the node answering $everything (Resource Timing of the last such request).
        const fetchMs = await page.evaluate(`Math.round(performance.getEntriesByType('resource').filter((e) => e.name.includes('everything')).at(-1).duration)`);
        times.push({ totalMs, fetchMs: Number(fetchMs) });
      }
      return times;
    } finally {
      await browser.close();
    }
  } finally {
    proc.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const js = jsPerPage();
  const times = await timelineRenderMs();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = {
    jsPerPageGzipBytes: js,
    jsBudgetBytes: 80 * 1024,
    timeline1000FirstRenderMs: {
      median: median(times.map((t) => t.totalMs)),
      nodeFetchMedian: median(times.map((t) => t.fetchMs)),
      browserMedian: median(times.map((t) => t.totalMs - t.fetchMs)),
      runs: times,
    },
    timelineBudgetMs: 1000,
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    for (const [page, n] of Object.entries(js)) process.stdout.write(`JS ${page.padEnd(10)} ${(n / 1024).toFixed(1)} KB gz (budget 80 KB)\n`);
    const r = result.timeline1000FirstRenderMs;
    process.stdout.write(`timeline of 1,000 resources: first render median ${r.median} ms (the node's $everything ${r.nodeFetchMedian} ms, the browser ${r.browserMedian} ms) of ${times.map((t) => t.totalMs).join(', ')} (budget 1000 ms)\n`);
  }
}

await main();
