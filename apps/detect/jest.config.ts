export default {
  displayName: 'detect-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
