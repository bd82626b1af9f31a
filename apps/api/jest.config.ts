export default {
  displayName: 'api-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
