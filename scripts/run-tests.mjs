#!/usr/bin/env node
// Runs every compiled test file (unit tests beside the code, integration tests
// under test/) with node's test runner, then prints the closing line
// `N passed, N failed` that CI reads. Optional arguments filter files by substring.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('dist', [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail += chunk.toString('utf8');
});
child.on('close', (code) => {
  const num = (label) => Number([...tail.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, "gm"))].at(-1)?.[1] ?? 0);
  const passed = num('pass');
  const failed = num('fail') + num('cancelled');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
