// @ts-check
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The in-cluster load runs in a pod with the aggregator image's node_modules:
// it may import Node's own modules, its own files and the dependencies its
// package.json declares (which that image holds), nothing else.
const inClusterLoad = JSON.parse(
  readFileSync(new URL('services/in-cluster-load/package.json', import.meta.url), 'utf8'),
);
const inClusterLoadDependencies = Object.keys(inClusterLoad.dependencies);
const escapeRegExp = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Any specifier but node:*, a relative one, or one of those dependencies (or a path inside it). */
const notInClusterLoadDependency = `^(?!node:|\\.|(?:${inClusterLoadDependencies.map(escapeRegExp).join('|')})(?:/|$))`;

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'services/platform/src/generated/**', '.tools/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Handlers are async functions by contract (rpc.unary and friends take
      // them), including the ones that happen to need no await.
      '@typescript-eslint/require-await': 'off',
      // node:test's test() returns a promise the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
    },
  },
  {
    files: ['services/in-cluster-load/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: notInClusterLoadDependency,
              message: `the in-cluster load runs with the aggregator image's node_modules: it imports only Node's modules and the dependencies in services/in-cluster-load/package.json (${inClusterLoadDependencies.join(', ')})`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
