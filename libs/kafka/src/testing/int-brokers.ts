/** TEST ONLY: the brokers the root integration setup started (KAFKA_BROKERS); fails with how to get them. */
export function intBrokers(): string[] {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    throw new Error('KAFKA_BROKERS is not set: run the integration suite through the root integration config (it starts Kafka), or `node scripts/servers/servers.mjs up kafka`');
  }
  return brokers;
}
