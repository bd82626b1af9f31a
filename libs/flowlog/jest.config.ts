export default {
  displayName: 'flowlog',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
