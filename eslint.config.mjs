// Lint is where architecture rules are enforced, not only style: @nx/enforce-module-boundaries
// reads each project's tags (project.json) and refuses imports that cross a boundary.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const frameworksAndDrivers = [
  '@nestjs/*',
  'express',
  'mongoose',
  'mongodb',
  'kafkajs',
  '@kurrent/*',
  'better-sqlite3',
  '@opentelemetry/*',
  'class-validator',
  'class-transformer',
  'node:*',
  'fs',
  'http',
];

export default [
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', '.nx/**', 'tools/*.js', 'jest.config.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Domain code is pure: no framework, driver, I/O, and no other context's domain.
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: frameworksAndDrivers,
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:contracts', 'type:adapter', 'type:testing', 'type:domain'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:adapter', 'type:domain', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:adapter', 'type:platform', 'type:testing', 'type:app'] },
            // A service never imports another service: contexts talk through contracts on the bus.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:intake', onlyDependOnLibsWithTags: ['scope:intake', 'scope:shared'] },
            { sourceTag: 'scope:referral', onlyDependOnLibsWithTags: ['scope:referral', 'scope:shared'] },
            { sourceTag: 'scope:capacity-building', onlyDependOnLibsWithTags: ['scope:capacity-building', 'scope:shared'] },
            // Reporting replays journeys from the event store with each context's own deciders: it may import their pure domains, never their apps.
            { sourceTag: 'scope:reporting', onlyDependOnLibsWithTags: ['scope:reporting', 'scope:shared', 'type:domain'] },
            // The embedded host composes every service in one process, and only it may.
            { sourceTag: 'scope:network', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // The embedded host composes the four services in one process: the one place allowed to
    // import applications. Scope and type rules still apply to everything else it imports.
    files: ['services/network/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@oriental/intake', '@oriental/intake/testing', '@oriental/referral', '@oriental/capacity-building', '@oriental/reporting', '@oriental/network'],
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['*'] }],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
];
