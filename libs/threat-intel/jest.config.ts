export default {
  displayName: 'threat-intel',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
