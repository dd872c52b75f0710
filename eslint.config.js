// @ts-check
const eslint = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/', 'native/', 'target/', 'node_modules/', 'bench/', 'examples/', '__test__/golden/', '__test__/fixtures/transform/', '__test__/fixtures/scripts-errors/', '__test__/fixtures/scripts-features/', '__test__/fixtures/scripts-http/', '__test__/fixtures/scripts-crypto/', '__test__/fixtures/scripts-execution/', '__test__/fixtures/executors/', '__test__/fixtures/scripts-html/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
