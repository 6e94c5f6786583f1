// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * Module boundaries from ../shared/STYLE.md §1: dependencies point inward, toward the pure
 * core. `target` may not import from `from`.
 */
const zone = (target, from, message) => ({ target, from, message });

/** Everything with I/O or above the engine: off limits to the offline modules. */
const OUTER_LAYERS = [
  './src/engine',
  './src/store',
  './src/integrations',
  './src/gitlab',
  './src/identity',
  './src/audit',
  './src/api',
  './src/cli',
  './src/web',
  './src/main.ts',
];
const boundaries = [
  zone('./src/common', ['./src/!(common)/**'], 'common/ imports nothing else'),
  zone('./src/common', ['./src/main.ts'], 'common/ imports nothing else'),
  zone(
    './src/language',
    [
      './src/engine',
      './src/store',
      './src/integrations',
      './src/gitlab',
      './src/identity',
      './src/audit',
      './src/api',
      './src/cli',
      './src/web',
      './src/local',
      './src/definition-source',
      './src/main.ts',
    ],
    'language/ is pure: it may import only common/ and jsonata',
  ),
  zone(
    './src/engine',
    [
      './src/store/sqlite',
      './src/store/postgres',
      './src/integrations/gitlab',
      './src/api',
      './src/cli',
      './src/web',
      './src/main.ts',
    ],
    'engine/ sees only interfaces; main.ts picks implementations',
  ),
  zone(
    ['./src/store', './src/integrations', './src/audit'],
    ['./src/engine', './src/api', './src/cli', './src/web', './src/main.ts'],
    'store, integrations and audit never import the engine runtime or the API',
  ),
  zone(
    './src/gitlab',
    [
      './src/store/sqlite',
      './src/store/postgres',
      './src/api',
      './src/cli',
      './src/web',
      './src/main.ts',
    ],
    'gitlab/ (triggers, deliveries, status reports) sees the engine and store interfaces; main.ts wires it',
  ),
  zone(
    './src/identity',
    ['./src/engine', './src/store', './src/api', './src/cli', './src/web'],
    'identity/ depends only on common and jose',
  ),
  zone(
    './src/api',
    ['./src/store/sqlite', './src/store/postgres', './src/cli', './src/web'],
    'api/ reaches concrete stores only through main.ts',
  ),
  zone(
    './src/definition-source',
    OUTER_LAYERS,
    'definition-source/ reads definition text: it may import common/, language/ and yaml only',
  ),
  zone(
    './src/local',
    OUTER_LAYERS,
    'local/ (the in-memory runner) drives language/ only; it never reaches the durable engine or the API',
  ),
  zone(
    './src/config',
    OUTER_LAYERS,
    'config/ reads settings (node, yaml): the CLI imports it, so it must not pull in the server',
  ),
  zone(
    './src/workflow-files',
    [
      './src/store/sqlite',
      './src/store/postgres',
      './src/api',
      './src/cli',
      './src/web',
      './src/main.ts',
    ],
    'workflow-files/ sees the store interface only; main.ts picks implementations',
  ),
  zone(
    ['./src/cli', './src/web'],
    ['./src/engine', './src/store'],
    'cli/ and web/ talk to the API, never to the engine or store',
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/**/*.mjs'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // Resolves `./x.js` specifiers to the `.ts` sources, so the boundary and cycle rules see
    // real files (the node resolver finds nothing and the rules would silently pass).
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-throw-literal': 'off',
      '@typescript-eslint/only-throw-error': 'error',
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: boundaries }],
    },
  },
  {
    files: ['src/language/**/*.ts', 'src/common/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|jsonata$)',
              message: 'language/ and common/ are pure: only relative imports and jsonata',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'time is an input to language/; take `now` from the event' },
        { name: 'process', message: 'language/ has no I/O' },
        { name: 'console', message: 'language/ has no I/O' },
        { name: 'setTimeout', message: 'waiting is data: emit a StartTimer command' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'randomness is an input: use the seeded Rng',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    // Plain-JS helper scripts run on Node: its globals exist there.
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        AbortController: 'readonly',
        setTimeout: 'readonly',
        URL: 'readonly',
      },
    },
  },
);
