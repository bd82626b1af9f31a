export default {
  displayName: 'detection',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
