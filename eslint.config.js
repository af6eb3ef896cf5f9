// ESLint: typescript-eslint's recommended rules, React hooks for the renderer, and the layer rule of
// DESIGN.md (what each src/ folder may import), which test/unit/layers.test.ts checks as well.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import { importX } from 'eslint-plugin-import-x'

/** Imports a layer may not use: other layers' folders and platform packages. */
const layer = (forbidden, message) => ({
  'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
})

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-duplicates': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests read raw JSON off the wire and assert it field by field: typing every frame there adds nothing.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/shared/**'],
    rules: layer(
      ['**/main/**', '**/renderer/**', '**/preload/**', 'node:*', 'electron', 'ws', 'react', 'react-dom', 'rsocket-*'],
      'src/shared is isomorphic: no Node, DOM-only or Electron imports',
    ),
  },
  {
    files: ['src/renderer/**'],
    rules: layer(
      ['**/main/**', '**/preload/**', 'node:*', 'electron', 'ws', 'rsocket-*'],
      'the renderer sees only src/shared and browser packages',
    ),
  },
  {
    files: ['src/preload/**'],
    rules: layer(['**/main/**', '**/renderer/**', 'node:*', 'ws', 'rsocket-*'], 'the preload sees only src/shared and electron'),
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/index.ts', 'src/main/ipc.ts', 'src/main/security/electron-*.ts'],
    rules: layer(
      ['**/renderer/**', '**/preload/**', 'electron'],
      'main-process logic stays electron-free (only index.ts and ipc.ts import electron)',
    ),
  },
  {
    files: ['src/renderer/**/*.tsx', 'src/renderer/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
)
