import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers (docs/architecture in the README): api → app → domain; workers → app; app → data, jobs;
// platform at the bottom. These rules make the direction a lint error rather than a convention.
const API_LAYER = ['**/api/*', '**/api/**'];
const DOMAIN_FORBIDDEN = [
  'knex', 'objection', 'koa', '@koa/*', 'bullmq', 'ioredis', 'pg', 'nodemailer', 'stripe', 'pino',
  'node:fs', 'node:http', 'node:https', 'node:dns', 'node:child_process',
  '**/data/*', '**/api/*', '**/app/*', '**/jobs/*', '**/workers/*', '**/platform/*',
];

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
    // Nothing below the API imports it.
    files: ['src/app/**/*.ts', 'src/data/**/*.ts', 'src/workers/**/*.ts', 'src/jobs/**/*.ts', 'src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['koa', '@koa/*', ...API_LAYER] }],
    },
  },
  {
    // The API calls use cases: it may name the data layer's types, never run its code.
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/data/*'], allowTypeImports: true, message: 'Routes call use cases (src/app); only types may come from src/data.' }] },
      ],
    },
  },
  {
    // Platform is the bottom layer: adapters to the outside world, knowing nothing of the application.
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['koa', '@koa/*', ...API_LAYER, '**/app/*', '**/data/*', '**/jobs/*', '**/workers/*', '**/domain/*'] }],
    },
  },
  {
    // The typed client talks HTTP only: integrators copy src/client/ without the server (types included).
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['koa', '@koa/*', 'knex', 'objection', 'pg', 'bullmq', 'ioredis', ...API_LAYER, '**/app/*', '**/data/*', '**/domain/*', '**/jobs/*', '**/workers/*', '**/platform/*', '**/cli/*', '**/config', '**/composition'] }],
    },
  },
  {
    // The domain is pure: no I/O libraries, no HTTP, no clock. Last, so it wins over the rules above.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: DOMAIN_FORBIDDEN }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The domain takes `now` as an argument.' }],
    },
  },
);
