export default {
  displayName: 'ingest-pipeline',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
