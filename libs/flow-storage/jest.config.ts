export default {
  displayName: 'flow-storage',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
