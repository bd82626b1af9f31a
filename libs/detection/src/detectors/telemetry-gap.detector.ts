/**
 * telemetry-gap: SKIPDATA rows mean flow records were lost for an ENI
 * (capacity or error); one row can stand for many flows. Reported per ENI and
 * window so blind spots are visible next to the detections they weaken.
 * Runs in the source-keyed role (SKIPDATA rows carry no addresses and always
 * land in the same partition).
 */
import type { TelemetryGapConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, signal } from './detector';

class GapWindow {
  readonly enis = new KeyIndex(1, 64, 1 << 20);
  rows = new Int32Array(64);
  account = new Int32Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  reset(): void {
    this.rows.fill(0, 0, this.enis.size);
    this.enis.clear();
  }
}

export class TelemetryGapDetector implements Detector {
  readonly id = 'telemetry-gap' as const;
  readonly name = 'telemetry-gap';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<GapWindow>;

  constructor(private readonly ctx: EngineContext, private readonly cfg: TelemetryGapConfig) {
    this.windows = new TumblingWindows(cfg.windowSec, () => new GapWindow(), (w) => w.reset());
  }

  ingest(p: PreparedBatch): void {
    // SKIPDATA rows are not flows and are not sliced: take them with the first slice
    if (p.from !== 0) return;
    const b = p.batch;
    for (let k = 0; k < p.skipN; k++) {
      const i = p.skipRows[k] as number;
      const start = b.start[i] as number;
      const w = this.windows.at(start);
      const e = w.enis.upsert(p.eni[i] as number);
      if (e < 0) continue;
      if (w.enis.added) {
        w.rows = ensureCapacity(w.rows, e + 1);
        w.account = ensureCapacity(w.account, e + 1);
        w.first = ensureCapacity(w.first, e + 1);
        w.last = ensureCapacity(w.last, e + 1);
        w.account[e] = p.account[i] as number;
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
      }
      w.rows[e]++;
      if (start < (w.first[e] as number)) w.first[e] = start;
      if ((b.end[i] as number) > (w.last[e] as number)) w.last[e] = b.end[i] as number;
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, start, end) => {
      for (let e = 0; e < w.enis.size; e++) {
        const rows = w.rows[e] as number;
        if (rows < this.cfg.minSkipRows) continue;
        const eni = this.ctx.enis.str(w.enis.key(e, 0)) || 'unknown-eni';
        const account = this.ctx.accounts.str(w.account[e] as number);
        out.push({
          detector: this.id,
          entity: `eni:${eni}`,
          windowStart: start,
          windowEnd: end,
          firstSeen: w.first[e] as number,
          lastSeen: w.last[e] as number,
          severity: this.cfg.severity,
          confidence: 1,
          score: rows,
          magnitude: rows,
          actor: null,
          targets: [],
          ports: [],
          mitre: [],
          summary: `${rows} SKIPDATA row(s) on ${eni}: flow records were dropped by AWS in this window; detections on it are incomplete`,
          signals: [signal('skipdataRows', rows, this.cfg.minSkipRows)],
          evidence: [],
          interfaceIds: [eni],
          ...(account ? { accountId: account } : {}),
        });
      }
    });
  }

  release(): void {
    this.windows.release();
  }

  maintain(): void {
    /* windowed state only */
  }

  stateSize(): number {
    let n = 0;
    this.windows.forEachOpen((w) => (n += w.enis.size));
    return n;
  }
}
