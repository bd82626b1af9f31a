export default {
  displayName: 'service-detect',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
