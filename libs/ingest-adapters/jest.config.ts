export default {
  displayName: 'ingest-adapters',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
