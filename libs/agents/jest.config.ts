export default {
  displayName: 'agents',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
