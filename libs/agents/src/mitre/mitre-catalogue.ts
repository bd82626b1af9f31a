/**
 * A small built-in MITRE ATT&CK (Enterprise) catalogue: the techniques flow-log
 * detections can support. Enough for offline classification without a network
 * lookup; names and tactics follow ATT&CK v15.
 */
export interface MitreTechnique {
  readonly id: string;
  readonly name: string;
  readonly tactic: string;
}

const TECHNIQUES: readonly MitreTechnique[] = [
  { id: 'T1046', name: 'Network Service Discovery', tactic: 'Discovery' },
  { id: 'T1595', name: 'Active Scanning', tactic: 'Reconnaissance' },
  { id: 'T1595.001', name: 'Active Scanning: Scanning IP Blocks', tactic: 'Reconnaissance' },
  { id: 'T1018', name: 'Remote System Discovery', tactic: 'Discovery' },
  { id: 'T1498', name: 'Network Denial of Service', tactic: 'Impact' },
  { id: 'T1498.001', name: 'Network Denial of Service: Direct Network Flood', tactic: 'Impact' },
  { id: 'T1498.002', name: 'Network Denial of Service: Reflection Amplification', tactic: 'Impact' },
  { id: 'T1499', name: 'Endpoint Denial of Service', tactic: 'Impact' },
  { id: 'T1499.001', name: 'Endpoint Denial of Service: OS Exhaustion Flood', tactic: 'Impact' },
  { id: 'T1499.002', name: 'Endpoint Denial of Service: Service Exhaustion Flood', tactic: 'Impact' },
  { id: 'T1499.003', name: 'Endpoint Denial of Service: Application Exhaustion Flood', tactic: 'Impact' },
  { id: 'T1071', name: 'Application Layer Protocol', tactic: 'Command and Control' },
  { id: 'T1071.001', name: 'Application Layer Protocol: Web Protocols', tactic: 'Command and Control' },
  { id: 'T1571', name: 'Non-Standard Port', tactic: 'Command and Control' },
  { id: 'T1573', name: 'Encrypted Channel', tactic: 'Command and Control' },
  { id: 'T1090', name: 'Proxy', tactic: 'Command and Control' },
  { id: 'T1090.003', name: 'Proxy: Multi-hop Proxy', tactic: 'Command and Control' },
  { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  { id: 'T1496', name: 'Resource Hijacking', tactic: 'Impact' },
  { id: 'T1110', name: 'Brute Force', tactic: 'Credential Access' },
  { id: 'T1021', name: 'Remote Services', tactic: 'Lateral Movement' },
  { id: 'T1041', name: 'Exfiltration Over C2 Channel', tactic: 'Exfiltration' },
  { id: 'T1048', name: 'Exfiltration Over Alternative Protocol', tactic: 'Exfiltration' },
  { id: 'T1029', name: 'Scheduled Transfer', tactic: 'Exfiltration' },
  { id: 'T1562.008', name: 'Impair Defenses: Disable or Modify Cloud Logs', tactic: 'Defense Evasion' },
];

const BY_ID = new Map(TECHNIQUES.map((t) => [t.id, t]));

export function mitreTechnique(id: string): MitreTechnique | undefined {
  return BY_ID.get(id);
}

export function mitreCatalogue(): readonly MitreTechnique[] {
  return TECHNIQUES;
}
