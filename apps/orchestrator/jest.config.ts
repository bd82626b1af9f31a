export default {
  displayName: 'orchestrator-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
