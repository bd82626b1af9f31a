// The servers servers.mjs knows, in start-up order (slowest first, so the critical path starts
// early), and name resolution for the CLI and FLOWGUARD_SERVERS.
import { opensearch } from './servers/opensearch.mjs';
import { kafka } from './servers/kafka.mjs';
import { dynamodb } from './servers/dynamodb.mjs';
import { ec2, kinesis, s3 } from './servers/light-servers.mjs';

export const SERVERS = [opensearch, kafka, dynamodb, ec2, kinesis, s3];

/** Resolves names/aliases (order and duplicates ignored); empty input = every server. */
export function selectServers(names) {
  const wanted = (names ?? []).flatMap((n) => n.split(',')).map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0 || wanted.includes('all')) return SERVERS;
  const unknown = wanted.filter((n) => !SERVERS.some((s) => s.name === n || s.aliases.includes(n)));
  if (unknown.length > 0) {
    const known = SERVERS.map((s) => [s.name, ...s.aliases].join('/')).join(', ');
    throw new Error(`unknown server name(s): ${unknown.join(', ')} (known: ${known})`);
  }
  return SERVERS.filter((s) => wanted.includes(s.name) || s.aliases.some((a) => wanted.includes(a)));
}
