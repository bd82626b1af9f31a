export default {
  displayName: 'ingest-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
