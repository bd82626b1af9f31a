export default {
  displayName: 'service-platform',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
