export * from './repositories.port';
