export default {
  displayName: 'flowguard',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
