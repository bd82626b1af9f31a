import type { AnomalyV1 } from '@flowguard/contracts';

const WORDS: Record<string, string> = { ddos: 'DDoS', dos: 'DoS', c2: 'C2', tor: 'Tor', ssh: 'SSH', rdp: 'RDP', udp: 'UDP', syn: 'SYN' };

/** "port-scan" → "Port scan", "c2-beaconing" → "C2 beaconing". */
export function detectorWords(detector: string): string {
  const words = detector.split('-').map((w) => WORDS[w] ?? w);
  const first = words[0] ?? detector;
  words[0] = WORDS[first.toLowerCase()] ? first : first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

/** A one-line incident title from the anomaly: "Port scan from 172.16.0.1 against 192.168.10.50". */
export function incidentTitle(a: Pick<AnomalyV1, 'detector' | 'actor' | 'targets'>): string {
  const parts = [detectorWords(a.detector)];
  if (a.actor) parts.push(`from ${a.actor}`);
  if (a.targets.length === 1) parts.push(`against ${a.targets[0]}`);
  else if (a.targets.length > 1) parts.push(`against ${a.targets.length} targets`);
  return parts.join(' ').slice(0, 300);
}
