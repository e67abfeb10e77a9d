// typescript-eslint with the type-checked recommended rules, over the sources, the tests and the
// benchmarks. `npm run lint` runs it with --report-unused-disable-directives-severity=error.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.cjs', '*.ts', 'bench/*.js', 'schema/*.js', 'bin/*.js', 'test/fixtures/*/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: globals.node,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a value that is destructured away on purpose (e.g. fields dropped from an object).
      // Adapters implement the async Target and ManifestSource ports with synchronous bodies on
      // purpose: `async` turns a synchronous throw into a rejection, as callers expect.
      '@typescript-eslint/require-await': 'off',
      // `let x!: T` assigned once, after a closure that reads it was made: cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `{ z }` is one object that holds all of zod, so the bundle keeps all of it (190 KB parsed by
      // every command at start-up, against 100 KB for the namespace import: docs/install.md).
      'no-restricted-syntax': [
        'error',
        ...[
          // import { z } from 'zod' (or 'zod/v4', …)
          "ImportDeclaration[source.value=/^zod(\\W|$)/][importKind!='type'] > ImportSpecifier[importKind!='type'][imported.name='z']",
          // import zod from 'zod'
          "ImportDeclaration[source.value=/^zod(\\W|$)/][importKind!='type'] > ImportDefaultSpecifier",
          // export { z } from 'zod…'
          "ExportNamedDeclaration[source.value=/^zod(\\W|$)/][exportKind!='type'] > ExportSpecifier[exportKind!='type'][local.name=/^(z|default)$/]",
          // export * from 'zod…'
          "ExportAllDeclaration[source.value=/^zod(\\W|$)/][exportKind!='type']",
        ].map((selector) => ({ selector, message: "import * as z from 'zod': the bundle then keeps only the parts of zod we use." })),
      ],
    },
  },
  {
    // Plain JavaScript (benchmarks, the schema generator, the bin shim): no type information.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read the CLI's JSON output (JSON.parse is `any`) and hand it to expect(), which takes
    // anything: typing every parsed document would add casts, not safety.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The unit tier also runs on Node 24 (scripts/test.mjs), where better-sqlite3, built for this
    // machine's Node 20, does not load: a raw connection goes through test/support/sqlite.ts, which
    // takes the driver the local target uses on the Node.js at hand.
    files: ['test/**/*.ts'],
    ignores: ['test/e2e/**', 'test/slow/**', 'test/support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'better-sqlite3', message: 'use openSqlite from test/support/sqlite.ts: the unit tier runs on Node 24 too.' }] },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
