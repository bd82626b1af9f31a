export * from './threat-classifier.port';
export * from './untrusted-text';
export * from './mitre/mitre-catalogue';
export * from './offline/detector-profiles';
export * from './offline/offline-threat.classifier';
