export default {
  displayName: 'flow-storage',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // the compatibility spec reads our files with @flowguard/flowlog, whose hyparquet-compressors
  // pulls ESM-only hysnappy/fzstd (the root preset lists only hyparquet*)
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer|hyparquet-compressors|hysnappy|fzstd)/)'],
};
