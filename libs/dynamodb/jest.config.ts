export default {
  displayName: 'dynamodb',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
