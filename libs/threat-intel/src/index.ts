export * from './ip/ip-address';
export * from './ip/ip-set';
export * from './lists/ip-set-list';
export * from './threat-intel';
export { MINING_POOLS_SNAPSHOT, TOR_EXITS_SNAPSHOT, TOR_RELAYS_SNAPSHOT } from './snapshots/tor.snapshot';
