import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-namespace': 'off',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The domain is pure: no I/O libraries, no HTTP, no clock.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['knex', 'objection', 'koa', '@koa/*', 'bullmq', 'ioredis', 'pg', '../data/*', '../api/*', '../app/*'] }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The domain takes `now` as an argument.' }],
    },
  },
  {
    files: ['src/app/**/*.ts', 'src/data/**/*.ts', 'src/domain/**/*.ts', 'src/workers/**/*.ts', 'src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['koa', '@koa/*', '../api/*', '../../api/*'] }],
    },
  },
);
