export default {
  displayName: 'agents-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
