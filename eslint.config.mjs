// Lint: typescript-eslint's recommended rules plus the layering of STYLE.md, made mechanical:
// a wrong-direction import fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
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
    files: ['main/**/*.ts'],
    rules: restrict([{ group: ['**/renderer/**', '../renderer/*', '../../renderer/*', 'react', 'react-dom', '@xyflow/*'], message: 'main/ never imports the renderer' }]),
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict([
      noNodeBuiltins,
      { group: ['electron', 'better-sqlite3', '@duckdb/*', '@tensorflow/*'], message: 'the renderer reaches main only through the API' },
      { group: ['**/main/**', '**/nodes/**', '../main/*', '../nodes/*', '../../main/*', '../../nodes/*', '../../../main/*', '../../../nodes/*'], message: 'the renderer gets the catalogue over the API; it never imports main/ or nodes/' },
    ]),
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
