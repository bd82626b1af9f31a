export default {
  displayName: 'service-api',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
