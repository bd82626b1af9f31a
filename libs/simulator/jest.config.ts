export default {
  displayName: 'simulator',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
