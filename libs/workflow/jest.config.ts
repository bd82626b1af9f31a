export default {
  displayName: 'workflow',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
