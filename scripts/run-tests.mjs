#!/usr/bin/env node
// Runs every compiled test file (unit tests beside the code, integration tests
// under test/) with node's test runner, one process per file, then prints the
// closing line `N passed, N failed` that CI reads. Optional arguments filter
// files by substring.
//
// Each file gets a wall-clock limit (TEST_FILE_TIMEOUT_S, default 600 s) and
// the whole run a budget (TEST_TOTAL_BUDGET_S, default 1500 s): a file that
// hangs — for instance an after-hook waiting on something that never settles,
// where node:test's own per-test timers cannot help — is killed with its
// process group and counted as failed, and files the budget leaves unrun are
// counted as failed too, so the run always ends and always says so.
// TEST_EXCLUDE leaves out files whose path contains one of its comma-separated
// substrings.
//
// Unit test files (dist/src/...) start no servers and wait on no clocks, so
// they run TEST_UNIT_JOBS at a time (default 2, the cores CI has), each
// file's output printed whole when it ends; integration files (dist/test/...)
// run one at a time, as their timing bounds assume.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FILE_LIMIT_MS = Number(process.env.TEST_FILE_TIMEOUT_S ?? 600) * 1000;
const BUDGET_MS = Number(process.env.TEST_TOTAL_BUDGET_S ?? 1500) * 1000;
const UNIT_JOBS = Math.max(1, Number(process.env.TEST_UNIT_JOBS ?? 2));

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
// TEST_EXCLUDE: comma-separated path substrings of files not to run (CI's second Node.js line, .ci/run).
const excluded = (process.env.TEST_EXCLUDE ?? '').split(',').filter((s) => s !== '');
const files = collect('dist', [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !excluded.some((s) => f.includes(s)))
  .sort();
if (excluded.length > 0) console.log(`# not run here (TEST_EXCLUDE): ${excluded.join(', ')}`);
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}

const num = (text, label) => Number([...text.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);

/**
 * What every process of a hung file's group is doing, read from /proc before
 * the kill: state (R running, S sleeping, D in I/O) and the kernel wait channel
 * of each thread, so a CI log shows where it stuck.
 */
function describeGroup(pgid) {
  const lines = [];
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return ['(no /proc)'];
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160);
      const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
        const tstat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const state = tstat.slice(tstat.lastIndexOf(')') + 2).split(' ')[0];
        let wchan = '';
        try {
          wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8');
        } catch {}
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        return `${comm}:${state}:${wchan || '-'}`;
      });
      lines.push(`pid ${pid} ${cmd}\n    threads ${threads.join(' ')}`);
    } catch {}
  }
  return lines;
}

/** Runs one file; resolves with its counts. A killed or crashed file counts one failure at least. */
function runFile(file, limitMs, buffered) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a kill reaches the servers it started
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      if (!buffered) process.stdout.write(chunk);
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk) => (buffered ? (err += chunk.toString('utf8')) : process.stderr.write(chunk)));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      console.log(`# ${file} hung; its processes:\n# ${describeGroup(child.pid).join('\n# ')}`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buffered) {
        process.stdout.write(out);
        process.stderr.write(err);
      }
      const passed = num(out, 'pass');
      let failed = num(out, 'fail') + num(out, 'cancelled');
      if (killed) {
        console.log(`✖ ${file}: still running after ${Math.round(limitMs / 1000)} s; killed with its process group`);
        failed += 1;
      } else if ((code !== 0 || signal) && failed === 0) {
        console.log(`✖ ${file}: exited with ${signal ?? code} without a failing test`);
        failed += 1;
      }
      resolve({ passed, failed });
    });
  });
}

const started = Date.now();
let passed = 0;
let failed = 0;
let done = 0;
const slow = [];
async function runOne(file, buffered) {
  const left = BUDGET_MS - (Date.now() - started);
  if (left <= 0) {
    console.log(`✖ ${file}: not run, the run's budget of ${BUDGET_MS / 1000} s is spent`);
    failed += 1;
    return;
  }
  const t0 = Date.now();
  const r = await runFile(file, Math.min(FILE_LIMIT_MS, left), buffered);
  slow.push([Date.now() - t0, file]);
  passed += r.passed;
  failed += r.failed;
  done += 1;
  if (process.env.CI) console.error(`# [${done}/${files.length}] ${file} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
const units = files.filter((f) => f.startsWith(join('dist', 'src')));
const integration = files.filter((f) => !units.includes(f));
const queue = [...units];
await Promise.all(
  Array.from({ length: Math.min(UNIT_JOBS, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runOne(file, UNIT_JOBS > 1);
  }),
);
for (const file of integration) await runOne(file, false);
slow.sort((a, b) => b[0] - a[0]);
console.log(`# ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s; slowest: ${slow.slice(0, 5).map(([ms, f]) => `${f} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
