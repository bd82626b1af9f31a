/**
 * validateDetectionConfig: a partial config (JSON/YAML from an operator) is
 * merged over the defaults and checked; the first problem is thrown as a
 * DetectionConfigError naming the exact key path, e.g.
 * `detectors.port-scan.windowSec must be a positive multiple of tickSec (60), got 45`.
 */
import { SEVERITIES } from '@flowguard/contracts';
import { parseCidr } from '@flowguard/threat-intel';
import { RulesError, readRules } from '@flowguard/rules';
import {
  DETECTOR_IDS, defaultDetectionConfig, type DetectionConfig,
} from './detection-config';

export class DetectionConfigError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`invalid detection config: ${path ? `${path} ` : ''}${detail}`);
    this.name = 'DetectionConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : String(v));

function closest(key: string, options: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0] as number;
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = d[j] as number;
        d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return d[b.length] as number;
  };
  let best: string | undefined;
  let bestD = 4;
  for (const o of options) {
    const dd = dist(key.toLowerCase(), o.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = o;
    }
  }
  return best;
}

/** Merge `raw` over `base` following base's shape; arrays replace, objects recurse. */
function merge(base: unknown, raw: unknown, path: string): unknown {
  if (isObj(base)) {
    if (!isObj(raw)) throw new DetectionConfigError(path, `must be an object, got ${show(raw)}`);
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(raw)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in base)) {
        const hint = closest(k, Object.keys(base));
        throw new DetectionConfigError(p, `is not a known key${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
      if (v === undefined) continue;
      out[k] = merge(base[k], v, p);
    }
    return out;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(raw)) throw new DetectionConfigError(path, `must be an array, got ${show(raw)}`);
    return raw;
  }
  if (typeof base === 'number') {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new DetectionConfigError(path, `must be a number, got ${show(raw)}`);
    return raw;
  }
  if (typeof base === 'boolean') {
    if (typeof raw !== 'boolean') throw new DetectionConfigError(path, `must be true or false, got ${show(raw)}`);
    return raw;
  }
  if (typeof base === 'string') {
    if (typeof raw !== 'string') throw new DetectionConfigError(path, `must be a string, got ${show(raw)}`);
    return raw;
  }
  return raw;
}

class Checker {
  constructor(private readonly c: DetectionConfig) {}
  at(path: string): unknown {
    let v: unknown = this.c;
    for (const part of splitPath(path)) v = (v as Obj)[part];
    return v;
  }
  fail(path: string, what: string): never {
    throw new DetectionConfigError(path, `${what}, got ${show(this.at(path))}`);
  }
  posInt(path: string): void {
    const v = this.at(path);
    if (!Number.isInteger(v) || (v as number) <= 0) this.fail(path, 'must be a positive integer');
  }
  nonNeg(path: string): void {
    const v = this.at(path) as number;
    if (!(v >= 0)) this.fail(path, 'must be ≥ 0');
  }
  fraction(path: string, open = false): void {
    const v = this.at(path) as number;
    if (!(v >= 0 && v <= 1) || (open && v === 0)) this.fail(path, open ? 'must be in (0, 1]' : 'must be in [0, 1]');
  }
  window(path: string): void {
    const v = this.at(path) as number;
    if (!Number.isInteger(v) || v <= 0 || v % this.c.tickSec !== 0) this.fail(path, `must be a positive multiple of tickSec (${this.c.tickSec})`);
  }
  oneOf(path: string, options: readonly string[]): void {
    if (!options.includes(this.at(path) as string)) this.fail(path, `must be one of ${options.join(', ')}`);
  }
  ports(path: string): void {
    const v = this.at(path) as unknown[];
    v.forEach((p, i) => {
      if (!Number.isInteger(p) || (p as number) < 0 || (p as number) > 65535) {
        throw new DetectionConfigError(`${path}[${i}]`, `must be a port 0..65535, got ${show(p)}`);
      }
    });
  }
  cidrs(path: string): void {
    (this.at(path) as unknown[]).forEach((s, i) => {
      if (typeof s !== 'string' || !parseCidr(s)) throw new DetectionConfigError(`${path}[${i}]`, `must be an IP or CIDR, got ${show(s)}`);
    });
  }
}

function splitPath(path: string): string[] {
  return path.split('.');
}

function checkDetectors(k: Checker, c: DetectionConfig): void {
  for (const id of DETECTOR_IDS) {
    const p = `detectors.${id}`;
    k.oneOf(`${p}.mode`, ['alert', 'dry-run']);
    k.oneOf(`${p}.severity`, SEVERITIES);
    const d = c.detectors[id] as unknown as Obj;
    for (const [key, v] of Object.entries(d)) {
      if (typeof v !== 'number') continue;
      const q = `${p}.${key}`;
      if (/windowSec$|WindowSec$/.test(key) || key === 'evaluateEverySec' || key === 'longHopSec') k.window(q);
      else if (key === 'ewmaAlpha' || key === 'slowEwmaAlpha') k.fraction(q, true);
      else if (key === 'relativeFloorFraction' || key === 'maxIntervalCv' || key === 'minScore' || key === 'minOnBeatShare' || key === 'onBeatTolerance' || key === 'pollingModifier' || key === 'prevalenceModifier') k.fraction(q);
      else if (key === 'relativeFactor' || key === 'slowRelativeFactor') {
        if (!(v >= 1)) k.fail(q, 'must be ≥ 1');
      } else if (key === 'ignorePortsAbove') {
        if (!Number.isInteger(v) || v < 0 || v > 65535) k.fail(q, 'must be a port 0..65535');
      } else if (key === 'warmupWindows' || key === 'slowWarmupWindows' || key === 'minSkipRows') k.posInt(q);
      else if (/^(min|max)/.test(key) && Number.isInteger(defaultDetectionConfig().detectors[id][key as never] as unknown)) k.posInt(q);
      else k.nonNeg(q);
    }
  }
  for (const [id, key] of [['crypto-mining', 'poolPorts'], ['brute-force', 'ports'], ['brute-force', 'ignoreInternalPorts'], ['tor', 'torPorts']] as const) k.ports(`detectors.${id}.${key}`);
  k.oneOf('detectors.tor.inboundSeverity', SEVERITIES);
  k.oneOf('detectors.brute-force.targetSeverity', SEVERITIES);
  for (const id of ['port-scan', 'port-sweep'] as const) {
    k.oneOf(`detectors.${id}.longSeverity`, SEVERITIES);
    const d = c.detectors[id];
    if (d.longWindowSec % d.longHopSec !== 0) throw new DetectionConfigError(`detectors.${id}.longHopSec`, `must divide longWindowSec (${d.longWindowSec}), got ${d.longHopSec}`);
  }
  const b = c.detectors.beaconing;
  for (const w of ['ts', 'ds', 'dur', 'hist'] as const) k.fraction(`detectors.beaconing.weights.${w}`);
  const sum = b.weights.ts + b.weights.ds + b.weights.dur + b.weights.hist;
  if (Math.abs(sum - 1) > 1e-6) throw new DetectionConfigError('detectors.beaconing.weights', `must sum to 1, got ${sum}`);
  if (b.minConnections < 4) throw new DetectionConfigError('detectors.beaconing.minConnections', `must be ≥ 4 (RITA's floor), got ${b.minConnections}`);
  const buckets = c.detectors['long-connection'].bucketsSec;
  if (buckets.length === 0 || buckets.some((x, i) => !Number.isInteger(x) || x <= 0 || (i > 0 && x <= (buckets[i - 1] as number)))) {
    throw new DetectionConfigError('detectors.long-connection.bucketsSec', `must be a non-empty ascending list of positive seconds, got ${JSON.stringify(buckets)}`);
  }
  for (const id of ['long-connection', 'beaconing'] as const) {
    c.detectors[id].directions.forEach((d, i) => {
      if (!['outbound', 'inbound', 'internal'].includes(d)) throw new DetectionConfigError(`detectors.${id}.directions[${i}]`, `must be outbound, inbound or internal, got ${show(d)}`);
    });
  }
  c.detectors['unusual-port'].directions.forEach((d, i) => {
    if (!['outbound', 'internal'].includes(d)) throw new DetectionConfigError(`detectors.unusual-port.directions[${i}]`, `must be outbound or internal, got ${show(d)}`);
  });
}

/** Run a shared rule check (@flowguard/rules), reporting its error as this module's error type. */
function rules<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RulesError) throw new DetectionConfigError(e.path, e.detail);
    throw e;
  }
}

export function validateDetectionConfig(raw: unknown): DetectionConfig {
  const def = defaultDetectionConfig();
  if (raw === undefined || raw === null) return def;
  const c = merge(def, raw, '') as DetectionConfig;
  const k = new Checker(c);
  k.oneOf('role', ['all', 'src', 'dst']);
  k.posInt('tickSec');
  if (c.tickSec % 2 !== 0) throw new DetectionConfigError('tickSec', `must be even (hopping windows move by half a tick), got ${c.tickSec}`);
  k.nonNeg('allowedLatenessSec');
  k.cidrs('network.internalCidrs');
  k.ports('network.servicePorts');
  for (const p of ['network.ephemeralPortMin', 'network.probeMaxPackets', 'network.probeMaxBytesPerPacket', 'network.udpProbeMaxBytesPerPacket', 'state.maxEntriesPerTable', 'state.maxIps', 'state.ipIdleTtlSec', 'state.maxAnomalies', 'aggregation.maxEvidence', 'aggregation.maxTargets', 'aggregation.maxPorts']) k.posInt(p);
  k.nonNeg('aggregation.episodeGapSec');
  k.nonNeg('aggregation.heartbeatSec');
  if (c.aggregation.maxEvidence > 50) throw new DetectionConfigError('aggregation.maxEvidence', `must be ≤ 50 (AnomalyV1 limit), got ${c.aggregation.maxEvidence}`);
  if (c.aggregation.maxTargets > 200) throw new DetectionConfigError('aggregation.maxTargets', `must be ≤ 200 (AnomalyV1 limit), got ${c.aggregation.maxTargets}`);
  if (c.aggregation.maxPorts > 2000) throw new DetectionConfigError('aggregation.maxPorts', `must be ≤ 2000 (AnomalyV1 limit), got ${c.aggregation.maxPorts}`);
  checkDetectors(k, c);
  const longest = Math.max(
    c.detectors.beaconing.lookbackSec, c.detectors['unusual-port'].portTtlSec, c.detectors.ddos.baselineTtlSec,
    c.detectors.exfiltration.baselineTtlSec, c.detectors['unusual-port'].learningPeriodSec,
  );
  if (c.state.ipIdleTtlSec < longest) {
    throw new DetectionConfigError('state.ipIdleTtlSec', `must be ≥ the longest state TTL (${longest} s) so no live state refers to a recycled address, got ${c.state.ipIdleTtlSec}`);
  }
  // the shared rule checks (entries and unique ids) with detector ids from this registry
  const checked = rules(() => readRules({ suppressions: c.suppressions, allowList: c.allowList }, DETECTOR_IDS));
  c.suppressions = checked.suppressions;
  c.allowList = checked.allowList;
  return c;
}

