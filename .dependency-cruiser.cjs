// Layers point down only (docs/ARCHITECTURE section 2). Each layer lists the
// layers it must never import; `npm run lint` fails on a violation.
const order = ['errors', 'crypto', 'storage', 'ordering', 'ledger', 'vault', 'keys', 'contracts', 'fhir|exchange|auth|trials', 'node', 'cli|api|web'];
const forbidden = [];
order.forEach((layer, i) => {
  const above = order.slice(i + 1);
  if (above.length === 0) return;
  forbidden.push({
    name: `${layer.replace(/\|/g, '-')}-imports-upward`,
    severity: 'error',
    from: { path: `^src/(${layer})/` },
    to: { path: `^src/(${above.join('|')})/` },
  });
});
forbidden.push({
  name: 'contracts-import-each-other',
  comment: 'contracts talk to each other only through the ledger contract interface',
  severity: 'error',
  from: { path: '^src/contracts/([^/]+)/' },
  to: { path: '^src/contracts/([^/]+)/', pathNot: ['^src/contracts/$1/', '^src/contracts/[^/]+\\.ts$'] },
});
forbidden.push({ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } });
module.exports = {
  forbidden,
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
