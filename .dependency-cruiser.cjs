// The architecture's guard rails (docs/architecture.md), checked by
// `npm run lint` over src/, test/ and bench/ and tested against planted
// violations by test/architecture/rules.test.ts.
//
// Production code (src/ minus test files) obeys every rule:
// - layers point down only, in the order below (a layer never imports one
//   listed after it), and the ledger is a pure core (errors and crypto only);
// - only the api door imports the HTTP server (fastify);
// - doors and services (every src/ folder above the contracts except the node,
//   including any new service folder) never import storage: they reach the
//   ledger through the ledger port;
// - a contract imports another contract only through that contract's keys.ts
//   (its state vocabulary), never its logic;
// - production code never imports test code (test/, bench/, *.test.ts,
//   *.test-util.ts) nor a dev dependency.
// Test files (test/**, bench/**, src/**/*.test.ts, src/**/*.test-util.ts) may
// import anything in src/ (they test it); for them, as for everything, there
// are no cycles and every import resolves.

/** Files that are tests or test helpers, wherever they live. */
const TEST_CODE = '^(test|bench)/|\\.test\\.ts$|\\.test-util\\.ts$';
/** Files inside src/ that are tests or test helpers: exempt from the production rules. */
const TEST_IN_SRC = '\\.test\\.ts$|\\.test-util\\.ts$';

// Layers point down only (docs/architecture.md). supplychain and trials are
// the service folders about to land: named here so they are layered the day
// they appear.
const order = ['errors', 'crypto', 'storage', 'ordering', 'ledger', 'vault', 'keys', 'contracts', 'fhir|exchange|auth|supplychain|trials', 'node', 'cli|api|web'];
/** Folders at or below the contracts, and the node: the only ones that may import storage. */
const mayUseStorage = [...order.slice(0, order.indexOf('contracts') + 1), 'node'];

const forbidden = [];
order.forEach((layer, i) => {
  const above = order.slice(i + 1);
  if (above.length === 0) return;
  forbidden.push({
    name: `${layer.split('|').slice(0, 3).join('-')}-imports-upward`,
    comment: `layers point down only: ${layer} must not import ${above.join(', ')}`,
    severity: 'error',
    from: { path: `^src/(${layer})/`, pathNot: TEST_IN_SRC },
    to: { path: `^src/(${above.join('|')})/` },
  });
});
forbidden.push({
  name: 'ledger-is-a-pure-core',
  comment: 'the ledger (transactions, blocks, proofs, executor, the port types) imports only errors and crypto: node/ is what calls ordering and storage',
  severity: 'error',
  from: { path: '^src/ledger/', pathNot: TEST_IN_SRC },
  to: { path: '^src/', pathNot: '^src/(errors|crypto|ledger)/' },
});
forbidden.push({
  name: 'http-server-outside-api',
  comment: 'HTTP is served only by the api door: the FHIR router, the services and the contracts take typed requests and return typed results',
  severity: 'error',
  from: { path: '^src/', pathNot: ['^src/api/', TEST_IN_SRC] },
  to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+)/' },
});
forbidden.push({
  name: 'doors-and-services-import-storage',
  comment: 'doors (api, cli, web) and services (fhir, exchange, auth, any new service folder) read and write through the ledger port (src/ledger/port.ts), never the store',
  severity: 'error',
  from: { path: '^src/', pathNot: [`^src/(${mayUseStorage.join('|')})/`, TEST_IN_SRC] },
  to: { path: '^src/storage/' },
});
forbidden.push({
  name: 'contracts-import-each-other',
  comment: "a contract may import another contract's keys.ts (its state vocabulary) and the shared src/contracts/*.ts files, nothing else of it",
  severity: 'error',
  from: { path: '^src/contracts/([^/]+)/', pathNot: TEST_IN_SRC },
  to: { path: '^src/contracts/([^/]+)/', pathNot: ['^src/contracts/$1/', '^src/contracts/[^/]+/keys\\.ts$'] },
});
forbidden.push({
  name: 'src-imports-test-code',
  comment: 'production code never imports tests, test helpers (test/helpers, *.test-util.ts) or benchmarks: they do not ship',
  severity: 'error',
  from: { path: '^src/', pathNot: TEST_IN_SRC },
  to: { path: TEST_CODE },
});
forbidden.push({
  name: 'src-imports-dev-dependency',
  comment: 'production code imports only runtime dependencies (package.json "dependencies"); type-only imports of @types are fine',
  severity: 'error',
  from: { path: '^src/', pathNot: TEST_IN_SRC },
  to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
});
forbidden.push({
  name: 'not-to-unresolvable',
  comment: 'every import resolves (tests included): a typo or a moved file fails the lint, not the run',
  severity: 'error',
  from: {},
  to: { couldNotResolve: true },
});
forbidden.push({
  name: 'no-circular',
  comment: 'no import cycles anywhere, tests included',
  severity: 'error',
  from: {},
  to: { circular: true },
});

forbidden.push({
  name: 'portal-stands-alone',
  comment: 'the browser portal (web/) speaks the public HTTP APIs with its own code: no import from src/ (docs/portal.md)',
  severity: 'error',
  from: { path: '^web/' },
  to: { path: '^src/' },
});
module.exports = {
  forbidden,
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
