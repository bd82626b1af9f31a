export default {
  displayName: 'service-agents',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
