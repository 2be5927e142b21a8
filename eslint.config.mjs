// Lint: typescript-eslint's recommended rules plus the layering of STYLE.md, made mechanical:
// a wrong-direction import fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
/** nodes/ files the editor bundles: they must stay free of run code (see the block below). */
const RUN_FREE = ['nodes/params.ts', 'nodes/*/*.params.ts', 'nodes/features/time-text.ts', 'nodes/train/trainer-params.ts'];
const noNodeBuiltins = { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto'], message: 'no Node built-ins here' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', '.bench/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: restrict([
      noNodeBuiltins,
      { group: ['electron', 'react', 'react-dom', '@xyflow/*', 'better-sqlite3', '@duckdb/*', '@tensorflow/*'], message: 'shared/ is pure TypeScript (zod, yaml only)' },
      { group: ['**/main/**', '**/renderer/**', '**/nodes/**', '../main/*', '../renderer/*', '../nodes/*', '../../main/*', '../../renderer/*', '../../nodes/*'], message: 'shared/ imports nothing above it' },
    ]),
  },
  {
    files: ['nodes/**/*.ts'],
    rules: restrict([
      { group: ['electron', 'react', 'react-dom', '@xyflow/*', 'better-sqlite3'], message: 'nodes/ reach the outside only through their run context' },
      { group: ['**/main/**', '**/renderer/**', '../main/*', '../renderer/*', '../../main/*', '../../renderer/*'], message: 'nodes/ may import shared/ only' },
    ]),
  },
  {
    // The run-free half of the node types: the editor bundles it (renderer/src/local-validate.ts),
    // so it imports zod, shared/ and its own kind only, never a node's run code or Node.
    files: RUN_FREE,
    rules: restrict([
      noNodeBuiltins,
      { group: ['electron', 'react', 'react-dom', '@xyflow/*', 'better-sqlite3', '@duckdb/*', '@tensorflow/*'], message: 'a .params.ts file is bundled into the editor' },
      { regex: '^\\.{1,2}/(?!(\\.\\./)*shared/)(?!.*\\.params$)(?!params$)(?!(features/)?time-text$)(?!trainer-params$)', message: 'a .params.ts file imports zod, shared/ and other run-free files only (they are bundled into the editor)' },
    ]),
  },
  {
    files: ['main/**/*.ts'],
    rules: restrict([{ group: ['**/renderer/**', '../renderer/*', '../../renderer/*', 'react', 'react-dom', '@xyflow/*'], message: 'main/ never imports the renderer' }]),
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict([
      noNodeBuiltins,
      { group: ['electron', 'better-sqlite3', '@duckdb/*', '@tensorflow/*'], message: 'the renderer reaches main only through the API' },
      {
        group: ['**/main/**', '**/nodes/**', '../main/*', '../nodes/*', '../../main/*', '../../nodes/*', '../../../main/*', '../../../nodes/*', '!../../nodes/params'],
        message: 'the renderer gets the catalogue over the API and never imports main/ or nodes/, but for the run-free nodes/params (local-validate.ts)',
      },
    ]),
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
