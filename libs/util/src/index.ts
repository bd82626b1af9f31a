export * from './seeded-random';
export * from './ipv4-text';
