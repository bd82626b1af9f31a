/** Detector names, as the detection engine reports them in AnomalyV1.detector. */
export const DETECTORS = [
  'port-scan', 'port-sweep', 'ddos', 'beaconing', 'long-connection', 'crypto-mining', 'tor',
  'brute-force', 'exfiltration', 'unusual-port', 'malicious-ip',
] as const;
export type DetectorName = (typeof DETECTORS)[number];
/**
 * Detectors the engine also runs that no attack is injected for: they can only
 * appear as `related` (e.g. a strobe is a beacon or flood seen from another angle).
 */
export const SECONDARY_DETECTORS = ['strobe', 'telemetry-gap'] as const;
export type RelatedDetector = DetectorName | (typeof SECONDARY_DETECTORS)[number];

export type IntensityLevel = 'high' | 'medium' | 'low';

/**
 * One labeled event of the ground truth (one JSON line of ground-truth.jsonl).
 * `kind: 'attack'` is scored (recall counts it, anomalies matching it are TPs);
 * `kind: 'noise'` marks internet background probes and similar unlabeled-but-not-benign
 * sources: anomalies on them are reported separately, neither TP nor FP, and the
 * entities are excluded from the benign population.
 */
export interface GroundTruthEntry {
  id: string;
  kind: 'attack' | 'noise';
  /** the detector expected to fire; 'none' for noise */
  detector: DetectorName | 'none';
  variant: string;
  direction: 'inbound' | 'outbound' | 'internal';
  /** the single acting address, or null for many-source events */
  actor: string | null;
  /** all acting addresses of a many-source event (botnet, spoofed flood, noise sources) */
  actors?: string[];
  targets: string[];
  ports: number[];
  protocol: number;
  /** Unix seconds of the first and last record of the event */
  start: number;
  end: number;
  intensity: { level: IntensityLevel } & Record<string, number | string>;
  mitre: string[];
  /** other detectors that may legitimately fire on this event: not FPs, not required for recall */
  related: RelatedDetector[];
  /** flow records written for this event */
  records: number;
  description: string;
}

export function toJsonLines(entries: readonly GroundTruthEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
}

export class GroundTruthError extends Error {}

/** Parse and check ground-truth JSON lines; a bad line is an error naming its line number. */
export function parseGroundTruth(text: string): GroundTruthEntry[] {
  const out: GroundTruthEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new GroundTruthError(`ground truth line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const problem = checkEntry(v);
    if (problem) throw new GroundTruthError(`ground truth line ${i + 1}: ${problem}`);
    out.push(v as GroundTruthEntry);
  }
  return out;
}

function checkEntry(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return 'not an object';
  const e = v as Record<string, unknown>;
  if (typeof e['id'] !== 'string') return 'id must be a string';
  if (e['kind'] !== 'attack' && e['kind'] !== 'noise') return 'kind must be attack or noise';
  if (e['detector'] !== 'none' && !(DETECTORS as readonly string[]).includes(e['detector'] as string)) {
    return `unknown detector ${String(e['detector'])}`;
  }
  if (e['actor'] !== null && typeof e['actor'] !== 'string') return 'actor must be a string or null';
  if (!Array.isArray(e['targets'])) return 'targets must be an array';
  if (!Array.isArray(e['ports'])) return 'ports must be an array';
  if (typeof e['start'] !== 'number' || typeof e['end'] !== 'number' || e['end'] < e['start']) {
    return 'start/end must be numbers with end >= start';
  }
  if (!Array.isArray(e['related'])) return 'related must be an array';
  return undefined;
}

/** Every address an entry names (actor, actors, targets). */
export function entitiesOf(e: GroundTruthEntry): string[] {
  const out = new Set<string>(e.targets);
  if (e.actor) out.add(e.actor);
  for (const a of e.actors ?? []) out.add(a);
  return [...out];
}
