export default {
  displayName: 'flowlog',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // hyparquet-compressors pulls in hysnappy (ESM only) on top of the packages the preset already transforms
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer|hyparquet-compressors|hysnappy)/)'],
};
