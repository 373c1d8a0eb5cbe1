// Lint with type information: floating promises, exhaustive switches and
// type-only imports are the mistakes that matter most in a ledger.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/**', '*.cjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Key generation lives in src/crypto: on Node 20 a KeyObject made by
    // generateKeyPair(Sync) can deadlock with the GC when exported (see
    // generateSigningKey). test/independent keeps its own code on purpose.
    files: ['**/*.ts'],
    ignores: ['src/crypto/**', 'test/independent/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/^(node:)?crypto$/] ImportSpecifier[imported.name=/^generateKeyPair(Sync)?$/]",
          message: 'Generate keys with src/crypto (generateSigningKey, generateX25519PrivateKey): a generated KeyObject can deadlock on export under GC.',
        },
      ],
    },
  },
  {
    // node:test's test() and describe() return promises the runner awaits itself.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
