import nx from '@nx/eslint-plugin';

/** Framework and SDK packages that pure domain and contract code must never import. */
const INFRA_PACKAGES = ['@nestjs/*', 'kafkajs', '@aws-sdk/*', '@smithy/*', '@opensearch-project/*', 'express', 'ws', 'pino', 'prom-client'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.flowguard', '**/*.lint-fixture.ts', 'tmp/**', 'libs/flowlog/assembly/**' /* AssemblyScript: compiled and checked by asc */],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // layers
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:service', 'type:nest', 'type:adapter', 'type:domain', 'type:contract', 'type:util'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:nest', 'type:adapter', 'type:domain', 'type:contract', 'type:util'] },
            { sourceTag: 'type:nest', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract', 'type:util'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'],
              bannedExternalImports: INFRA_PACKAGES,
            },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: INFRA_PACKAGES },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: INFRA_PACKAGES },
            // scopes: a service's code reaches only its own scope and shared code
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:ingest', 'scope:shared'] },
            { sourceTag: 'scope:detect', onlyDependOnLibsWithTags: ['scope:detect', 'scope:ingest', 'scope:shared'] },
            { sourceTag: 'scope:agents', onlyDependOnLibsWithTags: ['scope:agents', 'scope:shared'] },
            { sourceTag: 'scope:orchestrator', onlyDependOnLibsWithTags: ['scope:orchestrator', 'scope:shared'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:api', 'scope:shared'] },
            { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:platform', 'scope:shared'] },
            // the all-in-one distribution composes every service
            { sourceTag: 'scope:all', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(describe|it|test)$/][callee.property.name='only']", message: 'committed .only skips the rest of the suite' },
      ],
    },
  },
];
