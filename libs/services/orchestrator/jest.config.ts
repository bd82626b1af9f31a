export default {
  displayName: 'service-orchestrator',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
