/**
 * Detection configuration: every threshold, window, severity and mode lives
 * here, with defaults derived in docs/detectors.md (never tuned to one file).
 * Keys under `detectors` are the detector ids that findings carry.
 */
import { PRIVATE_CIDRS } from '@flowguard/threat-intel';
import type { Severity } from '@flowguard/contracts';

export const DETECTOR_IDS = [
  'port-scan', 'port-sweep', 'ddos', 'beaconing', 'strobe', 'long-connection', 'crypto-mining', 'tor',
  'brute-force', 'exfiltration', 'unusual-port', 'malicious-ip', 'telemetry-gap',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export type DetectorMode = 'alert' | 'dry-run';

export interface DetectorBase {
  enabled: boolean;
  /** dry-run: the detector runs and its findings are counted, but never emitted */
  mode: DetectorMode;
  /** base severity; detectors raise it one step per decade above threshold and for internal actors */
  severity: Severity;
}

export interface PortScanConfig extends DetectorBase {
  windowSec: number;
  /** FR2.1: more than 20 distinct ports → 21 */
  minDistinctPorts: number;
  slowWindowSec: number;
  slowMinDistinctPorts: number;
  /**
   * Low-and-slow tier: distinct ports per (source, destination) over a long hopping window (hop =
   * half of it), e.g. 10 ports in 24 h (Slips' first report level, counted per day instead of per hour).
   */
  longWindowSec: number;
  /** hop of the long window: any scan shorter than longWindowSec − longHopSec is seen whole in one window */
  longHopSec: number;
  longMinDistinctPorts: number;
  /** base severity of long-window findings (internet actors one step lower, as for every scan) */
  longSeverity: Severity;
}
export interface PortSweepConfig extends DetectorBase {
  windowSec: number;
  minDistinctHosts: number;
  slowWindowSec: number;
  slowMinDistinctHosts: number;
  /** low-and-slow tier: distinct hosts on one port per source over a long hopping window */
  longWindowSec: number;
  longHopSec: number;
  longMinDistinctHosts: number;
  longSeverity: Severity;
}
export interface DdosConfig extends DetectorBase {
  windowSec: number;
  minPacketsPerSec: number;
  udpMinPacketsPerSec: number;
  /** records carrying SYN without ACK/FIN (needs tcp-flags, v3+) */
  synFloodMinRecords: number;
  manySourcesMin: number;
  /** new connections (records) from one source to one destination per window */
  connFloodPerSourceMin: number;
  /** records from all sources to one destination per window */
  connFloodTotalMin: number;
  /** relative trigger: value ≥ factor × EWMA baseline of the destination... */
  relativeFactor: number;
  /** ...and value ≥ this fraction of the absolute threshold */
  relativeFloorFraction: number;
  /**
   * An absolute threshold fires only when the value is also ≥ this many times the destination's
   * warm baseline (same metric): a destination whose normal level is above an absolute threshold
   * (a public load balancer with 600 clients a minute) is judged by its own baseline. 0 = off.
   */
  absoluteMinOverBaseline: number;
  ewmaAlpha: number;
  warmupWindows: number;
  baselineTtlSec: number;
}
export interface BeaconingConfig extends DetectorBase {
  minConnections: number;
  minSpanSec: number;
  lookbackSec: number;
  evaluateEverySec: number;
  /** FR2.3: coefficient of variation of (missed-beat folded) intervals below this fires */
  maxIntervalCv: number;
  /** RITA-style score at or above this fires... */
  minScore: number;
  /** ...and at least this share of intervals lies within ±onBeatTolerance of the median: persistence without regular timing is not a beacon */
  minOnBeatShare: number;
  onBeatTolerance: number;
  weights: { ts: number; ds: number; dur: number; hist: number };
  /** UDP/ICMP records of one source port further apart than this are separate beats */
  sessionGapSec: number;
  maxBeatsPerPair: number;
  maxPairs: number;
  /** one-second timestamps cannot measure a 10% CV below this median interval; faster repetition is a burst or strobe */
  minIntervalSec: number;
  /** beacons to web ports (80/443) polling at this interval or slower are low severity: update and telemetry clients look the same */
  webPollingIntervalSec: number;
  /** which pairs are scored (RITA's default: our workloads calling out) */
  directions: Array<'outbound' | 'inbound' | 'internal'>;
  /** this many of our workloads beaconing to one destination:port become one fleet finding */
  fleetMinSources: number;
  /**
   * RITA-style score modifiers (RITA adds ±0.15 for prevalence and first-seen). Subtracted from the
   * score of a *polling* pair (a web port polled every ≥ webPollingIntervalSec, or NTP) and of a
   * *fleet* (≥ fleetMinSources of our workloads on the same schedule to one destination: RITA's
   * prevalence). Such pairs fire only when score − modifier ≥ minScore; the FR2.3 CV path alone does
   * not fire them, because regularity is what scheduled pollers and agents are built for.
   */
  pollingModifier: number;
  prevalenceModifier: number;
  /**
   * UDP 123 pairs whose every session in the lookback is NTP-sized (≤ 8 packets of ≤ 120 bytes: a 48-byte
   * NTP message plus headers and an optional MAC) are time clients and are not scored (ADR 0027). A covert
   * channel in NTP-sized datagrams is the price; off = such pairs are scored under the polling modifier.
   */
  timeSyncExempt: boolean;
}
export interface StrobeConfig extends DetectorBase {
  windowSec: number;
  minConnections: number;
}
export interface LongConnectionConfig extends DetectorBase {
  /** duration buckets (RITA: 1 h / 4 h / 8 h / 12 h); the first is the threshold */
  bucketsSec: number[];
  maxIdleGapSec: number;
  directions: Array<'outbound' | 'inbound' | 'internal'>;
}
export interface CryptoMiningConfig extends DetectorBase {
  windowSec: number;
  poolPorts: number[];
  steadyMinActiveMinutes: number;
  steadyMaxBytesPerMinute: number;
  portOnlyMinRecords: number;
}
export interface TorConfig extends DetectorBase {
  windowSec: number;
  inboundSeverity: Severity;
  /** ports that make an outbound relay hit more certain when the list gives no ORPort */
  torPorts: number[];
}
export interface BruteForceConfig extends DetectorBase {
  ports: number[];
  windowSec: number;
  minAttempts: number;
  maxBytesPerAttempt: number;
  targetSeverity: Severity;
  targetMinSources: number;
  targetMinAttempts: number;
  /** login ports whose connections between two of our workloads are not attempts (application database pools) */
  ignoreInternalPorts: number[];
  /**
   * Slow tier (tumbling): attempts per (source, target, port) in slowWindowSec. Fires at
   * slowMinAttempts when the (source, target) pair has no warm baseline of its own, else only at
   * slowRelativeFactor × its EWMA of attempts per slow window (a scheduled job's own rate is normal).
   */
  slowWindowSec: number;
  slowMinAttempts: number;
  slowRelativeFactor: number;
  slowEwmaAlpha: number;
  slowWarmupWindows: number;
  slowBaselineTtlSec: number;
}
export interface ExfiltrationConfig extends DetectorBase {
  windowSec: number;
  minBytes: number;
  coldMinBytes: number;
  singleFlowBytes: number;
  relativeFactor: number;
  ewmaAlpha: number;
  warmupWindows: number;
  baselineTtlSec: number;
  /** skip destinations ingest marked as AWS services (Mark.DST_AWS_SERVICE): S3 backups */
  ignoreAwsServiceDestinations: boolean;
  /**
   * Slow tier (tumbling slowWindowSec): bytes to one external destination ≥ slowMinBytes while the
   * source's total egress in the window is ≥ relativeFactor × its own EWMA per slow window (warm
   * after slowWarmupWindows); without a warm baseline, slowColdMinBytes.
   */
  slowWindowSec: number;
  slowMinBytes: number;
  slowColdMinBytes: number;
  slowWarmupWindows: number;
}
export interface UnusualPortConfig extends DetectorBase {
  windowSec: number;
  /** per workload, counted from its own first request (ADR 0027): a host launched later learns its own week */
  learningPeriodSec: number;
  /**
   * whose remote ports are learned: outbound (GuardDuty's internet peers) and internal (east-west: lateral
   * movement over WinRM/SMB/SSH reaches a peer port the host never used). Inbound is not offered: a server's
   * own listening ports are the other side's remote port.
   */
  directions: Array<'outbound' | 'internal'>;
  /**
   * an internal destination port used by at least this many of our workloads (counted over portTtlSec) is an
   * established service: a workload's first use of it is not reported (a release adopting a new internal
   * API, a new instance joining its tier). One host reaching a peer's port nobody else uses still is. 0 = off.
   */
  serviceMinSources: number;
  portTtlSec: number;
  ignorePortsAbove: number;
  maxNewPortsPerWindow: number;
}
export interface MaliciousIpConfig extends DetectorBase {
  windowSec: number;
  highBytes: number;
}
export interface TelemetryGapConfig extends DetectorBase {
  windowSec: number;
  minSkipRows: number;
}

export interface DetectorConfigs {
  'port-scan': PortScanConfig;
  'port-sweep': PortSweepConfig;
  ddos: DdosConfig;
  beaconing: BeaconingConfig;
  strobe: StrobeConfig;
  'long-connection': LongConnectionConfig;
  'crypto-mining': CryptoMiningConfig;
  tor: TorConfig;
  'brute-force': BruteForceConfig;
  exfiltration: ExfiltrationConfig;
  'unusual-port': UnusualPortConfig;
  'malicious-ip': MaliciousIpConfig;
  'telemetry-gap': TelemetryGapConfig;
}

// the analyst's rules are shared with the api, which applies them to stored anomalies (@flowguard/rules)
export type { AllowListEntry, SuppressionRule } from '@flowguard/rules';
import type { AllowListEntry, SuppressionRule } from '@flowguard/rules';

export interface DetectionConfig {
  /** which detectors run: all, or only the source- or destination-keyed ones (horizontal scale) */
  role: 'all' | 'src' | 'dst';
  allowedLatenessSec: number;
  /** base window; every detector window is a multiple of it */
  tickSec: number;
  network: {
    internalCidrs: string[];
    /** learn each ENI's own address to tell inbound from outbound when flow-direction is absent */
    inferEniOwner: boolean;
    ephemeralPortMin: number;
    /** ports above 1023 that are services (answers from them are responses) */
    servicePorts: number[];
    probeMaxPackets: number;
    probeMaxBytesPerPacket: number;
    /**
     * UDP has no handshake, so a UDP service probe must carry the service's request (SIP OPTIONS
     * ~450 B, SNMP, DNS, NTP...): a UDP request of ≤ probeMaxPackets packets up to this many bytes
     * per packet (one unfragmented datagram) is a payload probe. Only the vertical port-scan counts
     * payload probes: a normal client touches few UDP ports of one host, but many hosts on one port
     * (DNS resolvers, NTP), so sweeps keep probeMaxBytesPerPacket.
     */
    udpProbeMaxBytesPerPacket: number;
  };
  state: {
    maxEntriesPerTable: number;
    maxIps: number;
    ipIdleTtlSec: number;
    maxAnomalies: number;
  };
  aggregation: {
    episodeGapSec: number;
    /** re-emit an ongoing anomaly at least this often (event time); 0 = only on escalation */
    heartbeatSec: number;
    maxEvidence: number;
    maxTargets: number;
    maxPorts: number;
  };
  detectors: DetectorConfigs;
  suppressions: SuppressionRule[];
  allowList: AllowListEntry[];
}

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
const MB = 1_000_000;

export function defaultDetectionConfig(): DetectionConfig {
  const on = (severity: Severity) => ({ enabled: true, mode: 'alert' as DetectorMode, severity });
  return {
    role: 'all',
    allowedLatenessSec: 5 * MIN,
    tickSec: MIN,
    network: {
      internalCidrs: [...PRIVATE_CIDRS],
      inferEniOwner: true,
      ephemeralPortMin: 32768,
      servicePorts: [1433, 1521, 2049, 2375, 2376, 3306, 3389, 5432, 5672, 5900, 5985, 5986, 6379, 6443, 8080, 8443, 9092, 9200, 9300, 11211, 27017],
      // a failed Linux connect() is 1 SYN + tcp_syn_retries (6) = 7 header-only packets over 127 s: one record at 600 s aggregation
      probeMaxPackets: 7,
      probeMaxBytesPerPacket: 80,
      udpProbeMaxBytesPerPacket: 1500,
    },
    state: { maxEntriesPerTable: 1_000_000, maxIps: 2_000_000, ipIdleTtlSec: 32 * DAY, maxAnomalies: 100_000 },
    aggregation: { episodeGapSec: HOUR, heartbeatSec: 6 * HOUR, maxEvidence: 20, maxTargets: 50, maxPorts: 200 },
    detectors: {
      'port-scan': {
        ...on('medium'), windowSec: MIN, minDistinctPorts: 21, slowWindowSec: 30 * MIN, slowMinDistinctPorts: 25,
        longWindowSec: DAY, longHopSec: 2 * HOUR, longMinDistinctPorts: 10, longSeverity: 'low',
      },
      'port-sweep': {
        ...on('medium'), windowSec: MIN, minDistinctHosts: 25, slowWindowSec: 30 * MIN, slowMinDistinctHosts: 64,
        longWindowSec: DAY, longHopSec: 2 * HOUR, longMinDistinctHosts: 25, longSeverity: 'low',
      },
      ddos: {
        ...on('high'), windowSec: MIN, minPacketsPerSec: 10_000, udpMinPacketsPerSec: 10_000, synFloodMinRecords: 1000,
        manySourcesMin: 500, connFloodPerSourceMin: 100, connFloodTotalMin: 6000,
        relativeFactor: 5, relativeFloorFraction: 0.5, absoluteMinOverBaseline: 1.5, ewmaAlpha: 0.1, warmupWindows: 10, baselineTtlSec: 7 * DAY,
      },
      beaconing: {
        ...on('medium'), minConnections: 12, minSpanSec: 10 * MIN, lookbackSec: 6 * HOUR, evaluateEverySec: 15 * MIN,
        maxIntervalCv: 0.1, minScore: 0.8, minOnBeatShare: 0.6, onBeatTolerance: 0.3, weights: { ts: 0.25, ds: 0.25, dur: 0.25, hist: 0.25 },
        sessionGapSec: 30, maxBeatsPerPair: 300, maxPairs: 200_000, minIntervalSec: 10, webPollingIntervalSec: 300, directions: ['outbound'], fleetMinSources: 5, timeSyncExempt: true,
        pollingModifier: 0.15, prevalenceModifier: 0.15,
      },
      strobe: { ...on('low'), windowSec: HOUR, minConnections: 3600 },
      'long-connection': { ...on('info'), bucketsSec: [HOUR, 4 * HOUR, 8 * HOUR, 12 * HOUR], maxIdleGapSec: 10 * MIN, directions: ['outbound'] },
      'crypto-mining': {
        ...on('high'), windowSec: 10 * MIN,
        poolPorts: [3333, 3334, 3357, 4444, 5555, 6666, 7777, 8888, 9999, 10001, 10128, 14433, 14444, 20128, 45560, 45700],
        steadyMinActiveMinutes: 8, steadyMaxBytesPerMinute: 20_000, portOnlyMinRecords: 10,
      },
      tor: { ...on('high'), windowSec: 10 * MIN, inboundSeverity: 'medium', torPorts: [9001, 9030, 9040, 9050, 9051, 9150, 443] },
      'brute-force': {
        ...on('high'), ports: [21, 22, 23, 110, 143, 445, 1433, 3306, 3389, 5432, 5900, 5985, 5986],
        windowSec: 5 * MIN, minAttempts: 20, maxBytesPerAttempt: 20_000,
        targetSeverity: 'low', targetMinSources: 10, targetMinAttempts: 60, ignoreInternalPorts: [1433, 3306, 5432],
        slowWindowSec: HOUR, slowMinAttempts: 20, slowRelativeFactor: 3, slowEwmaAlpha: 0.1, slowWarmupWindows: 6, slowBaselineTtlSec: 14 * DAY,
      },
      exfiltration: {
        ...on('medium'), windowSec: 10 * MIN, minBytes: 100 * MB, coldMinBytes: 500 * MB, singleFlowBytes: 100 * MB,
        relativeFactor: 10, ewmaAlpha: 0.1, warmupWindows: 6, baselineTtlSec: 14 * DAY, ignoreAwsServiceDestinations: true,
        slowWindowSec: HOUR, slowMinBytes: 100 * MB, slowColdMinBytes: 1000 * MB, slowWarmupWindows: 6,
      },
      'unusual-port': { ...on('medium'), windowSec: 10 * MIN, learningPeriodSec: 7 * DAY, directions: ['outbound', 'internal'], serviceMinSources: 5, portTtlSec: 30 * DAY, ignorePortsAbove: 49151, maxNewPortsPerWindow: 5 },
      'malicious-ip': { ...on('medium'), windowSec: 10 * MIN, highBytes: 25 * MB },
      'telemetry-gap': { ...on('low'), windowSec: 10 * MIN, minSkipRows: 1 },
    },
    suppressions: [],
    allowList: [],
  };
}
