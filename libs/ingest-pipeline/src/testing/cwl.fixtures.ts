/** Builds CloudWatch Logs subscription payloads as AWS delivers them (gzip level 6 JSON): for tests, simulators and benchmarks. */
import { gzipSync } from 'node:zlib';

export function cwlPayload(messages: string[], messageType = 'DATA_MESSAGE'): Buffer {
  return gzipSync(Buffer.from(JSON.stringify({
    owner: '123456789012', logGroup: 'vpc-flow', logStream: 'eni-1-all', subscriptionFilters: ['all'], messageType,
    logEvents: messages.map((m, i) => ({ id: String(i), timestamp: 1700000000000 + i, message: m })),
  })), { level: 6 });
}
