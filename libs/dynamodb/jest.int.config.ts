// Integration specs of this library alone (DynamoDB Local must be up and DYNAMODB_ENDPOINT set).
// The root integration config runs the same files with the servers it starts.
export default {
  displayName: 'dynamodb-int',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['**/?(*.)int-spec.ts'],
  testTimeout: 30_000,
};
