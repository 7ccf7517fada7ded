// Lint: ESLint's and typescript-eslint's recommended rules (syntax-only, so a run takes seconds), React's hook rules
// for the dashboard. Runs in `npm test` (npm run lint) and on its own with `npm run lint`.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'agent-home/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // `any` is for loose wire data in tests and the scripted model, and for Kysely<any> in migrations (a migration
    // must not depend on today's schema types); the service's own code types what it reads.
    files: ['test/**', 'bench/**', '**/*.test.{ts,tsx}', 'src/storage/migrations/**', 'src/demo/scripted-model.ts', 'src/demo/scripted-model/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
