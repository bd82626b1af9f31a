import { Action, type FlowBatch } from '@flowguard/contracts';
import { IpSet, PRIVATE_CIDRS } from '@flowguard/threat-intel';
import type { DetectorName, GroundTruthEntry, IntensityLevel, RelatedDetector } from '../truth/ground-truth';

/** One line of a `X.labels.tsv` file: aligned with record N of `X.vpc.log`. */
export interface LabelRow {
  label: string;
  detail: string;
  /** `fwd` = originator to responder, `rev` = the responder's answer */
  direction: string;
}

export class LabelError extends Error {}

/** Parse a labels TSV (`line label detail direction`, header first). */
export function parseLabelsTsv(text: string): LabelRow[] {
  const lines = text.split(/\r?\n/);
  const out: LabelRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const cols = line.split('\t');
    if (i === 0 && cols[0] === 'line') continue;
    if (cols.length < 4) throw new LabelError(`labels line ${i + 1}: expected 4 tab-separated columns`);
    if (Number(cols[0]) !== out.length + 1) throw new LabelError(`labels line ${i + 1}: record number ${cols[0]} out of sequence`);
    out.push({ label: cols[1] as string, detail: cols[2] as string, direction: cols[3] as string });
  }
  return out;
}

/**
 * How a dataset's malicious labels become scored events. The hints are fixed per
 * dataset from its documentation (shared/datasets/README.md), never from detector output:
 * - `scan`: the label says port scan: one port-scan event per (source, target).
 * - `ddos`: one ddos event per target.
 * - `c2`: one beaconing event per (source, destination, port) with at least
 *   {@link SHAPE.beaconMinConnections} connections; smaller groups are noise.
 * - `external-attack`: unlabeled inbound attack traffic (honeypot-style internet
 *   noise); each source is classified by the shape of its traffic (see SHAPE).
 */
export type LabelHint = 'scan' | 'ddos' | 'c2' | 'external-attack';

interface Profile {
  prefix: string;
  rules: { label: string; hint: LabelHint }[];
  /** the capture's own network when it is not RFC 1918 (a deployment fact, like a VPC CIDR) */
  internalCidrs?: string[];
}

export const DATASET_PROFILES: Profile[] = [
  { prefix: 'cic-portscan', rules: [{ label: 'Portscan', hint: 'scan' }] },
  { prefix: 'cic-ddos', rules: [{ label: 'DDoS', hint: 'ddos' }] },
  { prefix: 'njrat', rules: [{ label: 'Malicious', hint: 'c2' }] },
  // CTU-Normal hosts sit on the CTU university network (147.32.0.0/16), not on private addresses
  { prefix: 'ctu-normal', rules: [{ label: 'Malicious', hint: 'external-attack' }], internalCidrs: ['147.32.0.0/16'] },
];

/** Labels that mean "not an attack". */
export const BENIGN_LABELS = ['Benign', 'Background'];

/**
 * Shape rules for classifying labeled-malicious sources, fixed a priori (the
 * first level at which Slips reports a scan is 10; RITA needs at least 4
 * connections to score a beacon). The same rules apply to every dataset.
 * A brute-force attempt must be ACCEPTed: a connection the security group drops
 * never reaches a login prompt, so repeated REJECTed knocks on 22/23 are probes
 * (as the CTU dataset notes describe them), not guessing.
 */
export const SHAPE = {
  scanMinPorts: 10,
  sweepMinHosts: 10,
  bruteMinAttempts: 10,
  beaconMinConnections: 4,
  /** services people guess passwords on (telnet included: Mirai-style guessing) */
  authPorts: [21, 22, 23, 2323, 3389, 5900, 1433, 3306, 5985, 5986],
} as const;

const RELATED: Record<string, RelatedDetector[]> = {
  'port-scan': ['port-sweep', 'unusual-port', 'malicious-ip', 'brute-force'],
  'port-sweep': ['port-scan', 'unusual-port', 'malicious-ip'],
  'brute-force': ['port-scan', 'unusual-port', 'malicious-ip'],
  ddos: ['brute-force', 'port-scan', 'strobe'],
  beaconing: ['long-connection', 'unusual-port', 'malicious-ip', 'strobe'],
};

export interface DatasetTruth {
  truth: GroundTruthEntry[];
  benignEntities: string[];
  /** labels seen, with row counts */
  labels: Record<string, number>;
  profile: string;
}

interface Row {
  i: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  start: number;
  end: number;
  /** the security group let it through: only such connections can carry a password guess */
  accepted: boolean;
}

/**
 * Derive ground truth from a labeled dataset: `batch` must hold exactly the records
 * of the file, in order, so that row i carries label i.
 */
export function truthFromLabels(batch: FlowBatch, labels: readonly LabelRow[], dataset: string): DatasetTruth {
  if (batch.length !== labels.length) {
    throw new LabelError(`${dataset}: ${batch.length} records but ${labels.length} labels; they must align line by line`);
  }
  const profile = DATASET_PROFILES.find((p) => dataset.startsWith(p.prefix));
  const counts: Record<string, number> = {};
  const malicious = new Set<string>();
  const seenBenign = new Set<string>();
  const groups = new Map<LabelHint, Row[]>();
  for (let i = 0; i < batch.length; i++) {
    const l = labels[i] as LabelRow;
    counts[l.label] = (counts[l.label] ?? 0) + 1;
    const src = batch.src(i);
    const dst = batch.dst(i);
    if (BENIGN_LABELS.includes(l.label)) {
      if (src) seenBenign.add(src);
      if (dst) seenBenign.add(dst);
      continue;
    }
    if (src) malicious.add(src);
    if (dst) malicious.add(dst);
    const hint = profile?.rules.find((r) => r.label === l.label)?.hint ?? 'external-attack';
    if (l.direction !== 'fwd') continue;
    const rows = groups.get(hint) ?? [];
    rows.push({
      i, src, dst, sport: batch.srcPort[i] as number, dport: batch.dstPort[i] as number, proto: batch.protocol[i] as number,
      start: batch.start[i] as number, end: batch.end[i] as number, accepted: batch.action[i] === Action.ACCEPT,
    });
    groups.set(hint, rows);
  }
  const truth: GroundTruthEntry[] = [];
  const add = (detector: DetectorName | 'none', variant: string, rows: Row[], actor: string | null, actors: string[] | undefined, targets: string[], extra: Record<string, number>) => {
    const ports = [...new Set(rows.map((r) => r.dport))].sort((a, b) => a - b);
    const start = rows.reduce((m, r) => Math.min(m, r.start), Number.MAX_SAFE_INTEGER);
    const end = rows.reduce((m, r) => Math.max(m, r.end), 0);
    // rate of the event's defining count (ports, hosts, attempts, connections) per minute
    const perMinute = (Object.values(extra)[0] ?? rows.length) / Math.max(1, (end - start) / 60);
    const e: GroundTruthEntry = {
      id: `${dataset}-${String(truth.length + 1).padStart(4, '0')}-${detector}`,
      kind: detector === 'none' ? 'noise' : 'attack', detector, variant, direction: 'inbound', actor, targets,
      ports: ports.slice(0, 2000), protocol: rows[0]?.proto ?? 6,
      start, end,
      intensity: { level: levelOf(perMinute), records: rows.length, perMinute: +perMinute.toFixed(3), ...extra }, mitre: [],
      related: detector === 'none' ? [] : RELATED[detector] ?? [], records: rows.length,
      description: `derived from ${dataset} labels (${variant})`,
    };
    if (actors) e.actors = actors;
    truth.push(e);
  };
  for (const [hint, rows] of groups) {
    if (hint === 'scan') {
      for (const [key, g] of groupBy(rows, (r) => `${r.src} ${r.dst}`)) {
        const [src, dst] = key.split(' ') as [string, string];
        add('port-scan', 'labeled-portscan', g, src, undefined, [dst], { distinctPorts: distinct(g, (r) => r.dport) });
      }
    } else if (hint === 'ddos') {
      for (const [dst, g] of groupBy(rows, (r) => r.dst)) {
        const sources = [...new Set(g.map((r) => r.src))];
        add('ddos', 'labeled-ddos', g, sources.length === 1 ? (sources[0] as string) : null, sources.length > 1 ? sources : undefined, [dst],
          { connections: distinct(g, (r) => `${r.src}:${r.sport}`), sources: sources.length });
      }
    } else if (hint === 'c2') {
      for (const [, g] of groupBy(rows, (r) => `${r.src} ${r.dst} ${r.dport}`)) {
        const conns = distinct(g, (r) => r.sport);
        const r0 = g[0] as Row;
        if (conns >= SHAPE.beaconMinConnections) add('beaconing', 'labeled-c2', g, r0.src, undefined, [r0.dst], { connections: conns });
        else add('none', 'labeled-c2-minor', g, r0.src, undefined, [r0.dst], { connections: conns });
      }
    } else {
      for (const [src, g] of groupBy(rows, (r) => r.src)) classifySource(src, g, add);
    }
  }
  // Internal hosts stay benign entities even when attacked or compromised: most of their
  // traffic is benign, and a false alarm about them is what the FP-entity rate is for.
  const internal = new IpSet();
  for (const c of [...PRIVATE_CIDRS, ...(profile?.internalCidrs ?? [])]) internal.add(c);
  const benignEntities = [...seenBenign].filter((ip) => !malicious.has(ip) || internal.lookup(ip) !== null);
  return { truth, benignEntities, labels: counts, profile: profile?.prefix ?? 'generic' };
}

/** Levels for labeled events, by rate of the defining count: >= 10/min high, >= 1/min medium, else low (slow). */
export function levelOf(perMinute: number): IntensityLevel {
  return perMinute >= 10 ? 'high' : perMinute >= 1 ? 'medium' : 'low';
}

type Add = (detector: DetectorName | 'none', variant: string, rows: Row[], actor: string | null, actors: string[] | undefined, targets: string[], extra: Record<string, number>) => void;

/** Classify one labeled-malicious source by the shape of its traffic (SHAPE rules, in order). */
function classifySource(src: string, rows: Row[], add: Add): void {
  for (const [dst, g] of groupBy(rows, (r) => r.dst)) {
    const ports = distinct(g, (r) => r.dport);
    if (ports >= SHAPE.scanMinPorts) {
      add('port-scan', 'labeled-inbound-scan', g, src, undefined, [dst], { distinctPorts: ports });
      rows = rows.filter((r) => r.dst !== dst);
    }
  }
  for (const [port, g] of groupBy(rows, (r) => String(r.dport))) {
    const hosts = distinct(g, (r) => r.dst);
    if (hosts >= SHAPE.sweepMinHosts) {
      add('port-sweep', 'labeled-inbound-sweep', g, src, undefined, [...new Set(g.map((r) => r.dst))], { distinctHosts: hosts });
      rows = rows.filter((r) => String(r.dport) !== port);
    }
  }
  for (const [key, g] of groupBy(rows, (r) => `${r.dst} ${r.dport}`)) {
    const [dst, port] = key.split(' ') as [string, string];
    const attempts = g.filter((r) => r.accepted).length;
    if ((SHAPE.authPorts as readonly number[]).includes(Number(port)) && attempts >= SHAPE.bruteMinAttempts) {
      add('brute-force', 'labeled-inbound-guessing', g, src, undefined, [dst], { attempts });
      rows = rows.filter((r) => !(r.dst === dst && String(r.dport) === port));
    }
  }
  if (rows.length) add('none', 'labeled-probe', rows, src, undefined, [...new Set(rows.map((r) => r.dst))], { probes: rows.length });
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

function distinct<T>(items: readonly T[], key: (t: T) => string | number): number {
  return new Set(items.map(key)).size;
}
