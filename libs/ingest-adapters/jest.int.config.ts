/**
 * Runs this library's integration specs alone (`npx jest -c libs/ingest-adapters/jest.int.config.ts`).
 * They use KINESIS_ENDPOINT / S3_ENDPOINT when the root integration setup provides them,
 * else start kinesalite / s3rver from node_modules themselves.
 */
export default {
  displayName: 'ingest-adapters:int',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['**/?(*.)int-spec.ts'],
  testTimeout: 60_000,
  // hyparquet-compressors' own ESM dependencies must be transpiled too (the root preset lists only hyparquet*)
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer|hyparquet-compressors|hysnappy|fzstd)/)'],
};
