export default {
  displayName: 'service-ingest',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
