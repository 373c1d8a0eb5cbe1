// "Nothing outside a contract spells one of its state keys" (docs/architecture.md):
// collects each contract's key prefixes and namespaces from its keys.ts and
// fails on production code outside src/contracts that writes one as a string
// literal (a key prefix at the start of a string or template followed by an
// id or an interpolation, or a namespace passed literally to a state read or
// scan). SMART scopes such as 'patient/*.rs' are not state keys.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = process.cwd();

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.test-util.ts')) out.push(p);
  }
  return out;
}

/** Key prefixes ('patient/', 'grant/', ...) and namespaces ('identity', ...) declared in the contracts' keys.ts files. */
function vocabulary(): { prefixes: Set<string>; namespaces: Set<string> } {
  const prefixes = new Set<string>();
  const namespaces = new Set<string>();
  for (const f of files(join(ROOT, 'src/contracts')).filter((p) => p.endsWith('/keys.ts'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/['`]([a-z][a-z-]*\/)/g)) prefixes.add(m[1]!);
    for (const m of text.matchAll(/NAMESPACE\s*=\s*'([a-z-]+)'/g)) namespaces.add(m[1]!);
  }
  return { prefixes, namespaces };
}

/** Offending lines outside src/contracts: `file:line: text`. */
export function keySpellings(root: string, vocab: { prefixes: Set<string>; namespaces: Set<string> }): string[] {
  const found: string[] = [];
  const prefix = new RegExp(`['\`](${[...vocab.prefixes].map((p) => p.replace(/[-/]/g, '\\$&')).join('|')})(\\$\\{|['\`]|[a-z0-9])`);
  const namespace = new RegExp(`\\.(get|scan|getState|scanState)\\(\\s*'(${[...vocab.namespaces].join('|')})'`);
  for (const f of files(join(root, 'src')).filter((p) => !p.includes('/src/contracts/'))) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      const code = line.trimStart();
      if (code.startsWith('//') || code.startsWith('/*') || code.startsWith('*')) return;
      if (prefix.test(line) || namespace.test(line)) found.push(`${f.slice(root.length + 1)}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

test('the contracts declare their key prefixes and namespaces in keys.ts', () => {
  const vocab = vocabulary();
  for (const ns of ['identity', 'governance', 'consent', 'access', 'records']) assert.ok(vocab.namespaces.has(ns), ns);
  for (const p of ['patient/', 'grant/', 'org/']) assert.ok(vocab.prefixes.has(p), p);
});

test('no production code outside src/contracts spells a contract state key or namespace', () => {
  assert.deepEqual(keySpellings(ROOT, vocabulary()), []);
});

test('a planted key spelling outside src/contracts is found, a SMART scope and a comment are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-keys-'));
  try {
    mkdirSync(join(dir, 'src/api'), { recursive: true });
    writeFileSync(
      join(dir, 'src/api/door.ts'),
      [
        "const a = state.get('identity', `patient/${p}`);",
        "const b = ledger.scan('consent', 'grant/' + p, 10);",
        "const scope = 'patient/*.rs';",
        "// 'org/member' in a comment",
      ].join('\n'),
    );
    const vocab = { prefixes: new Set(['patient/', 'grant/', 'org/']), namespaces: new Set(['identity', 'consent']) };
    assert.deepEqual(keySpellings(dir, vocab), [
      "src/api/door.ts:1: const a = state.get('identity', `patient/${p}`);",
      "src/api/door.ts:2: const b = ledger.scan('consent', 'grant/' + p, 10);",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
