// Integration tests (`*.int-spec.ts`) against real local servers. The global setup starts
// (downloading on first use) the servers named by FLOWGUARD_SERVERS (default: all) unless an
// endpoint env var already names one, and exports KAFKA_BROKERS, DYNAMODB_ENDPOINT,
// OPENSEARCH_URL, KINESIS_ENDPOINT, S3_ENDPOINT, EC2_ENDPOINT to the test workers.
// The teardown stops only what the setup started. See docs/servers.md.
//   npx jest -c jest.integration.config.js [path]
const fs = require('fs');
const path = require('path');
const preset = require('./jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'integration',
  rootDir: __dirname,
  // Jest fails on a missing root: list only the folders that exist
  roots: ['libs', 'apps', 'scripts'].filter((d) => fs.existsSync(path.join(__dirname, d))).map((d) => `<rootDir>/${d}`),
  testMatch: ['**/*.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.flowguard/'],
  // the setup/teardown modules are plain Node ESM: load them as they are, not through ts-jest
  transformIgnorePatterns: [...preset.transformIgnorePatterns, '/scripts/servers/.*\\.mjs$'],
  globalSetup: '<rootDir>/scripts/servers/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/servers/jest-global-teardown.mjs',
  // the servers are shared: few workers keep suites from starving each other on 2 cores
  maxWorkers: 2,
  testTimeout: 60_000,
  slowTestThreshold: 20,
};
