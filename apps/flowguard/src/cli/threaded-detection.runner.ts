import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import type { DetectionConfig } from '@flowguard/detection';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { type AnalyzeRun, byFirstSeen } from './detection.runner';
import { IngestStages, type StageOptions } from './ingest.stages';
import { type FromLane, type LaneInit, type LaneRole, type LaneTotals, toBatchMessage } from './lane.protocol';
import { type LaneFactory, type LaneTransport, workerLane } from './lane.transport';

/**
 * Batches a lane may hold before the reader waits (a batch is ~8k rows, ~0.6 MB a lane: ~20 MB
 * in all). Deep enough that the three threads rarely wait for each other when the OS runs them
 * at different times (with 4, a loaded 2-core machine often stalled the pipeline).
 */
const MAX_IN_FLIGHT = 16;

/**
 * The detectors of the second lane (by Detector.name); the first lane runs every other one, so a
 * detector added later runs there. Chosen from per-thread CPU on the 10 M-record bench data
 * (docs/simulator-and-eval.md §5): exfiltration's pair windows are the largest single detector
 * cost, the destination-keyed detectors (floods, beaconing, brute force by target) the next
 * group; scans, sweeps and the per-source session detectors stay in the first.
 */
export const SECOND_LANE_DETECTORS = ['exfiltration', 'exfiltration/slow', 'ddos', 'beaconing', 'brute-force/target'];

export function laneDetectors(role: LaneRole): LaneInit['detectors'] {
  return role === 'first' ? { except: SECOND_LANE_DETECTORS } : { only: SECOND_LANE_DETECTORS };
}

interface Lane {
  role: LaneRole;
  transport: LaneTransport;
  inFlight: number;
  result: { anomalies: AnomalyV1[]; totals: LaneTotals } | null;
}

/**
 * `analyze` on two cores: the main thread reads, parses and runs the ingest stages; two
 * lanes each run a share of the detectors over every row in file order. Each lane's engine
 * sees exactly the rows and batches the single engine sees and learns ENI owners from them
 * as it does, so watermarks, windows and anomalies are the same (threaded-detection.spec.ts);
 * the output is merged and sorted as the single-threaded run sorts it.
 */
export class ThreadedDetectionRun implements AnalyzeRun {
  readonly stages: IngestStages;
  records = 0;
  private readonly lanes: Lane[];
  private failure: Error | null = null;
  private waiting: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private finishing: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(
    config: DetectionConfig,
    threatIntel: ThreatIntelLookup,
    intelFiles: string[],
    stages: Omit<StageOptions, 'threatIntel'> = { mode: 'full' },
    lanes: LaneFactory = workerLane,
  ) {
    this.stages = new IngestStages({ ...stages, threatIntel });
    this.lanes = (['first', 'second'] as const).map((role) => {
      const lane: Lane = { role, transport: lanes({ role, config, intelFiles, detectors: laneDetectors(role) }), inFlight: 0, result: null };
      lane.transport.listen((m) => this.onMessage(lane, m), (e) => this.fail(e));
      return lane;
    });
  }

  feed(batch: FlowBatch): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (batch.length === 0) return;
    this.records += batch.length;
    const detection = this.stages.apply(batch);
    if (detection.length === 0) return;
    // one shared copy of the detection rows for both lanes (lane.protocol.ts)
    const { message, transfer } = toBatchMessage(detection.batch, detection.rows, detection.length);
    for (const lane of this.lanes) {
      lane.transport.post(message, transfer);
      lane.inFlight++;
    }
    if (!this.lanes.some((l) => l.inFlight >= MAX_IN_FLIGHT)) return;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async finish(): Promise<AnomalyV1[]> {
    if (this.failure) throw this.failure;
    const done = new Promise<void>((resolve, reject) => {
      this.finishing = { resolve, reject };
    });
    for (const lane of this.lanes) lane.transport.post({ kind: 'finish' }, []);
    await done;
    await this.close();
    return this.lanes.flatMap((l) => (l.result as NonNullable<Lane['result']>).anomalies).sort(byFirstSeen);
  }

  /** rows each lane's engine analysed, and late drops (the same for both lanes) */
  totals(): Record<LaneRole, LaneTotals | null> {
    const of = (role: LaneRole) => this.lanes.find((l) => l.role === role)?.result?.totals ?? null;
    return { first: of('first'), second: of('second') };
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.transport.close()));
  }

  private onMessage(lane: Lane, m: FromLane): void {
    if (m.kind === 'ack') {
      lane.inFlight--;
      if (this.waiting && this.lanes.every((l) => l.inFlight < MAX_IN_FLIGHT)) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve();
      }
    } else if (m.kind === 'done') {
      lane.result = { anomalies: m.anomalies, totals: m.totals };
      if (this.finishing && this.lanes.every((l) => l.result)) this.finishing.resolve();
    } else {
      const e = new Error(`detection worker (${lane.role}): ${m.message}`);
      if (m.stack) e.stack = m.stack;
      this.fail(e);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.waiting?.reject(e);
    this.finishing?.reject(e);
    this.waiting = null;
    this.finishing = null;
  }
}
