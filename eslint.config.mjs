// kne's lint: @eslint/js and typescript-eslint's type-checked recommendations (floating and misused promises matter
// in a server that must never crash); layout is Prettier's alone, so eslint-config-prettier comes last.
// A rule is turned off or tuned here only with the reason beside it.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import {defineConfig} from 'eslint/config'
import tseslint from 'typescript-eslint'

// The Node globals the plain JavaScript files (bin/, bench/) use; TypeScript files get theirs from @types/node.
const nodeGlobals = Object.fromEntries(
  [
    'Buffer',
    'URL',
    'URLSearchParams',
    'console',
    'process',
    'performance',
    'fetch',
    'AbortController',
    'AbortSignal',
    'TextDecoder',
    'TextEncoder',
    'queueMicrotask',
    'structuredClone',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
  ].map((name) => [name, 'readonly']),
)

export default defineConfig(
  {ignores: ['dist/', 'coverage/', 'bench/results/', 'oclif.manifest.json']},
  {linterOptions: {reportUnusedDisableDirectives: 'error'}},
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {globals: nodeGlobals},
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {parserOptions: {project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname}},
    rules: {
      // A leading underscore marks a parameter or binding kept for its position or its type.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // oclif's run() and hooks, and interfaces with async implementations, are async by contract.
      '@typescript-eslint/require-await': 'off',
      // An aborted wait rejects with the AbortSignal's reason (typed any), as node:timers/promises does.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', {allowThrowingAny: true, allowThrowingUnknown: true}],
      // URL and URLSearchParams print as their serialised form, which is what a query string needs.
      // (typescript-eslint's default allows them from lib; kne's come from @types/node, as Error does.)
      '@typescript-eslint/restrict-template-expressions': ['error', {allow: ['Error', 'URL', 'URLSearchParams']}],
    },
  },
  {
    // the web console: browser code with its own tsconfig (DOM lib, Preact's JSX)
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {parserOptions: {project: './console/tsconfig.json', tsconfigRootDir: import.meta.dirname}},
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read commands' JSON output (JSON.parse gives any) and assert its shape; the assertion is the check.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test harnesses hand out closures that are destructured by design.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
)
