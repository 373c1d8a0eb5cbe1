// A test of the guard rails themselves: the real .dependency-cruiser.cjs is
// run, through dependency-cruiser's API, over tiny fixture trees written to a
// temporary directory. A clean tree (every import the rules allow, tests
// importing freely) passes; a tree with one planted violation per rule is
// reported exactly, violation by violation, under each rule's name. Also
// checks that every folder of the real src/ has a place in the layer order,
// and that the real .jscpd.json fails on a duplicated block of eight lines in
// production code but not on a shorter one nor on duplicates among tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

/** The repository root (this file runs as dist/test/architecture/rules.test.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
};

type Tree = Record<string, string>;

/** A module importing each of `targets` (paths relative to the importing file, as written in source). */
const importing = (...targets: string[]) =>
  targets.map((t, i) => `import * as m${i} from '${t}';\nexport const use${i} = m${i};\n`).join('') || 'export const leaf = 1;\n';

/** Every import the rules allow, production and tests alike. */
const CLEAN: Tree = {
  'package.json': JSON.stringify({ name: 'fixture', type: 'module', dependencies: { zod: '*', fastify: '*' }, devDependencies: { 'fast-check': '*' } }),
  'src/errors/index.ts': importing(),
  'src/crypto/hash.ts': importing('../errors/index.js'),
  'src/storage/index.ts': importing('../errors/index.js', '../crypto/hash.js', 'zod'),
  'src/ledger/port.ts': importing('../errors/index.js'),
  'src/vault/a.ts': importing('../storage/index.js', '../ledger/port.js'),
  'src/contracts/shared.ts': importing('../ledger/port.js'),
  'src/contracts/identity/keys.ts': importing(),
  'src/contracts/identity/records.ts': importing('./keys.js', '../shared.js', '../../storage/index.js'),
  'src/contracts/consent/contract.ts': importing('../identity/keys.js', '../shared.js'),
  'src/contracts/consent/contract.test.ts': importing('./contract.js', '../identity/records.js', '../../../test/helpers/world.js', 'fast-check'),
  'src/contracts/consent/world.test-util.ts': importing('../identity/records.js'),
  'src/fhir/policy.ts': importing('../ledger/port.js', '../contracts/identity/keys.js'),
  'src/supplychain/lots.ts': importing('../ledger/port.js', '../contracts/identity/keys.js'),
  'src/node/ledger-node.ts': importing('../storage/index.js', '../ledger/port.js', '../contracts/consent/contract.js', '../fhir/policy.js'),
  'src/node/index.ts': importing('./ledger-node.js'),
  'src/api/routes.ts': importing('../node/index.js', '../fhir/policy.js', '../ledger/port.js', 'fastify'),
  'src/api/routes.test.ts': importing('./routes.js', '../storage/index.js', '../../test/helpers/world.js'),
  'src/cli/main.ts': importing('../api/routes.js', '../node/index.js'),
  'test/helpers/world.ts': importing('../../src/storage/index.js', '../../src/contracts/identity/records.js'),
  'test/api/reads.int.test.ts': importing('../helpers/world.js', '../../src/api/routes.js', '../../src/storage/index.js', '../../bench/ledger.js'),
  'bench/ledger.ts': importing('../src/node/index.js', '../test/helpers/world.js'),
  'web/src/main.ts': importing('./proof.js'),
  'web/src/proof.ts': importing(),
};

/**
 * The clean tree plus one planted violation per rule, and the violations
 * expected of it (a cycle is reported once, at its first edge).
 */
const PLANTED: Tree = {
  ...CLEAN,
  // A door reading the store.
  'src/api/raw-blocks.ts': importing('../storage/index.js'),
  // A future service folder reading the store, and a folder the layer order does not know yet.
  'src/trials/enrolment.ts': importing('../storage/index.js'),
  'src/portal/inbox.ts': importing('../storage/index.js'),
  // Production code importing a test helper, a benchmark and a test utility beside the code.
  'src/cli/bench.ts': importing('../../test/helpers/world.js', '../../bench/ledger.js', '../contracts/consent/world.test-util.js'),
  // A contract importing another contract's logic rather than its keys.ts.
  'src/contracts/consent/decide.ts': importing('../identity/records.js'),
  // A lower layer importing an upper one.
  'src/ledger/executor.ts': importing('../contracts/identity/keys.js'),
  // The ledger core reaching for storage; a service serving HTTP itself.
  'src/ledger/block-store.ts': importing('../storage/index.js'),
  'src/exchange/server.ts': importing('fastify'),
  // A cycle.
  'src/vault/b.ts': importing('./c.js'),
  'src/vault/c.ts': importing('./b.js'),
  // The browser portal importing server code.
  'web/src/explorer.ts': importing('../../src/crypto/hash.js'),
  // A dev dependency in production code.
  'src/auth/scopes.ts': importing('fast-check'),
  // Test files are checked too: an import that does not resolve, and a cycle among helpers.
  'test/api/broken.int.test.ts': importing('../helpers/moved-away.js'),
  'test/helpers/p.ts': importing('./q.js'),
  'test/helpers/q.ts': importing('./p.js'),
};

const EXPECTED = [
  'contracts-import-each-other: src/contracts/consent/decide.ts -> src/contracts/identity/records.ts',
  'doors-and-services-import-storage: src/api/raw-blocks.ts -> src/storage/index.ts',
  'doors-and-services-import-storage: src/portal/inbox.ts -> src/storage/index.ts',
  'doors-and-services-import-storage: src/trials/enrolment.ts -> src/storage/index.ts',
  'http-server-outside-api: src/exchange/server.ts -> fastify',
  'ledger-imports-upward: src/ledger/executor.ts -> src/contracts/identity/keys.ts',
  'ledger-is-a-pure-core: src/ledger/block-store.ts -> src/storage/index.ts',
  'ledger-is-a-pure-core: src/ledger/executor.ts -> src/contracts/identity/keys.ts',
  'no-circular: src/vault/b.ts -> src/vault/c.ts',
  'no-circular: test/helpers/p.ts -> test/helpers/q.ts',
  'not-to-unresolvable: test/api/broken.int.test.ts -> ../helpers/moved-away.js',
  'portal-stands-alone: web/src/explorer.ts -> src/crypto/hash.ts',
  'src-imports-dev-dependency: src/auth/scopes.ts -> fast-check',
  'src-imports-test-code: src/cli/bench.ts -> bench/ledger.ts',
  'src-imports-test-code: src/cli/bench.ts -> src/contracts/consent/world.test-util.ts',
  'src-imports-test-code: src/cli/bench.ts -> test/helpers/world.ts',
];

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeTree(tree: Tree): string {
  const dir = mkdtempSync(join(tmpdir(), 'careledger-rules-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  // The fixture resolves packages (zod, fast-check) from the repository's node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs the real rule set over src, test and bench of `dir`; returns `rule: from -> to` lines, sorted. */
async function violations(dir: string): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(dir); // rule paths are relative to the directory cruised from
  try {
    const { output } = await cruise(['src', 'test', 'bench', 'web'], {
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      outputType: 'json',
    });
    const result = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
    // A package is named by its name (the fixture's node_modules is a symlink resolved to its real path).
    const named = (to: string) => to.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${named(v.to)}`).sort();
  } finally {
    process.chdir(cwd);
  }
}

describe('the dependency rules (.dependency-cruiser.cjs)', { timeout: 120_000 }, () => {
  let clean: string;
  let planted: string;
  before(() => {
    clean = writeTree(CLEAN);
    planted = writeTree(PLANTED);
  });

  it('pass a tree that only makes the imports they allow, tests importing freely', async () => {
    assert.deepEqual(await violations(clean), []);
  });

  it('report every planted violation under its rule name, and nothing else', async () => {
    assert.deepEqual(await violations(planted), EXPECTED);
  });

  it('give every rule in the config at least one planted violation', () => {
    const planted = new Set(EXPECTED.map((line) => line.slice(0, line.indexOf(':'))));
    const untested = config.forbidden
      .map((rule) => rule.name)
      .filter((name) => name !== undefined && !name.endsWith('-imports-upward') && !planted.has(name));
    assert.deepEqual(untested, []);
  });

  it('place every folder of src/ in the layer order', () => {
    const layered = new Set(
      config.forbidden.flatMap((rule) => {
        const m = /^\^src\/\(([^)]+)\)\/$/.exec(String((rule.from as { path?: string }).path ?? ''));
        return rule.name?.endsWith('-imports-upward') && m ? m[1]!.split('|') : [];
      }),
    );
    const top = ['cli', 'api', 'web']; // the doors: the last layer, which has no upward rule
    const src = join(ROOT, 'src');
    const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
    assert.deepEqual(folders.filter((f) => !layered.has(f) && !top.includes(f)), []);
    assert.ok(layered.has('errors') && layered.has('node') && layered.has('supplychain'), [...layered].join(','));
  });
});

/** A function of ten lines whose body (after its name) is the same for every name. */
const tenLines = (name: string) => `export function ${name}(input: Record<string, number>): number {
  let total = 0;
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('x')) total += value * 2;
    else if (key.endsWith('y')) total -= value;
    else total += value;
  }
  const scaled = Math.round(total * 100) / 100;
  return scaled > 1000 ? 1000 : scaled;
}
`;
/** A function of seven lines, also the same for every name: under the limit. */
const sevenLines = (name: string) => `export function ${name}(items: readonly string[], limit: number): string[] {
  const kept: string[] = [];
  for (const item of items) if (item.length > 0 && !kept.includes(item) && kept.length < limit) kept.push(item.trim().toLowerCase());
  const sorted = [...kept].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const joined = sorted.map((item, index) => \`\${index + 1}. \${item}\`).filter((line) => line.length < 200);
  return joined.length > 0 ? joined : ['(none)'];
}
`;

/** Runs jscpd with the real .jscpd.json over `dir`/src; returns its exit code and report. */
function jscpd(dir: string): { code: number | null; out: string } {
  const bin = join(ROOT, 'node_modules', 'jscpd', 'run-jscpd.js');
  const r = spawnSync(process.execPath, [bin, '--config', join(ROOT, '.jscpd.json'), '--no-tips', '--no-colors', join(dir, 'src')], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the duplicate-code limit (.jscpd.json)', { timeout: 120_000 }, () => {
  const shorter: Tree = {
    'src/vault/short-a.ts': sevenLines('keepA'),
    'src/vault/short-b.ts': sevenLines('keepB'),
    'src/vault/one.test.ts': tenLines('sumInTestOne'),
    'src/vault/two.test.ts': tenLines('sumInTestTwo'),
    'src/vault/world.test-util.ts': tenLines('sumInTestUtil'),
  };

  it('passes production code whose duplicates are shorter than eight lines, and duplicates among tests', () => {
    const dir = writeTree(shorter);
    const r = jscpd(dir);
    assert.equal(r.code, 0, r.out);
  });

  it('fails on a block of eight lines or more duplicated in production code, naming both files', () => {
    const dir = writeTree({ ...shorter, 'src/api/sum.ts': tenLines('sumForApi'), 'src/fhir/sum.ts': tenLines('sumForFhir') });
    const r = jscpd(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /api\/sum\.ts/);
    assert.match(r.out, /fhir\/sum\.ts/);
    assert.doesNotMatch(r.out, /short-a\.ts|\.test\.ts|test-util/);
  });
});
