import { AttackContext, ScheduledAttack } from './attacks/attack';
import { CATALOG, selectAttacks } from './attacks/catalog';
import { BenignTraffic, WINDOW, diurnalWeight } from './benign/benign.generator';
import { DEFAULT_ESTATE, Estate, type EstateOptions } from './estate/estate';
import { ipToInt, inCidr } from './estate/address-table';
import { CountingSink, type FlowSink, MarkingSink } from './output/flow-sink';
import { type SimFormat, logFormatString } from './output/formats';
import { Prng, hashString } from './random/prng';
import type { GroundTruthEntry, IntensityLevel } from './truth/ground-truth';

export interface SimulationOptions {
  seed: string | number;
  /** exact number of records to write (header lines not counted) */
  records: number;
  /** Unix seconds; rounded down to a window boundary */
  startTime?: number;
  hours?: number;
  format?: SimFormat;
  /** attack specs, see selectAttacks(); default ['all'] */
  attacks?: string[];
  levels?: IntensityLevel[];
  estate?: Partial<EstateOptions>;
  /** minutes of traffic per output part (file); default 60 */
  partMinutes?: number;
  /**
   * Attack-free history before the first attack, hours (default: a quarter of the run).
   * Baseline-driven detectors need it (unusual-port learns for 7 days per host by default: 168).
   */
  warmupHours?: number;
}

/** A sink that also wants to know where output parts (files) begin. */
export interface PartedSink extends FlowSink {
  beginPart(key: string): void;
}

export class SimulationError extends Error {}

/** 2025-01-01T00:00:00Z: a fixed default so the same seed gives the same bytes. */
export const DEFAULT_START = 1735689600;

/**
 * The whole simulation: estate, benign traffic and scheduled attacks over a
 * timeline of 60 s windows, with an exact record budget. Construction plans
 * everything (including a counting pass); `run` writes it to a sink.
 */
export class Simulation {
  readonly estate: Estate;
  readonly format: SimFormat;
  readonly startTime: number;
  readonly windows: number;
  readonly attacks: ScheduledAttack[] = [];
  readonly counts = { fixed: 0, load: 0, attack: 0, total: 0 };
  readonly seed: string;
  private readonly benign: BenignTraffic;
  private readonly quotas: Int32Array;
  private readonly partWindows: number;
  private ran = false;
  /** address ids that benign traffic used (set during run) */
  private readonly benignUsed: Uint8Array;

  constructor(readonly opts: SimulationOptions) {
    if (!Number.isSafeInteger(opts.records) || opts.records < 1) throw new SimulationError('records must be a positive integer');
    const hours = opts.hours ?? 24;
    if (!(hours > 0) || hours > 24 * 31) throw new SimulationError('hours must be in (0, 744]');
    this.seed = String(opts.seed);
    this.format = opts.format ?? 'v2';
    this.startTime = Math.floor((opts.startTime ?? DEFAULT_START) / WINDOW) * WINDOW;
    this.windows = Math.max(1, Math.round((hours * 3600) / WINDOW));
    this.partWindows = Math.max(1, Math.round(opts.partMinutes ?? 60));
    const root = new Prng(`${this.seed}:root`);
    this.estate = new Estate({ ...DEFAULT_ESTATE, ...opts.estate }, root.fork('estate'));
    this.benign = new BenignTraffic(this.estate, this.seed, this.windows, this.startTime);
    this.planAttacks(opts);
    this.benignUsed = new Uint8Array(this.estate.addrs.size);

    // Counting pass: fixed-rate benign traffic and attacks have their own sizes; load-driven
    // traffic gets what is left of the budget, spread over the windows by the diurnal curve.
    const counter = new CountingSink();
    for (let w = 0; w < this.windows; w++) {
      const t0 = this.startTime + w * WINDOW;
      this.counts.fixed += this.benign.periodic(t0, counter);
      for (const a of this.attacks) this.counts.attack += a.window(w, t0, counter);
    }
    const load = opts.records - this.counts.fixed - this.counts.attack;
    if (load < 0) {
      throw new SimulationError(
        `--records ${opts.records} is too small: over ${hours} h the fixed-rate benign traffic (${this.counts.fixed}) and the ` +
          `selected attacks (${this.counts.attack}) alone need ${this.counts.fixed + this.counts.attack} records; ` +
          'raise --records, lower --hours or select fewer attacks',
      );
    }
    this.counts.load = load;
    this.counts.total = opts.records;
    this.quotas = new Int32Array(this.windows);
    let weightSum = 0;
    for (let w = 0; w < this.windows; w++) weightSum += diurnalWeight(this.startTime + w * WINDOW);
    let acc = 0;
    let given = 0;
    for (let w = 0; w < this.windows; w++) {
      acc += diurnalWeight(this.startTime + w * WINDOW);
      const upTo = Math.round((acc / weightSum) * load);
      this.quotas[w] = upTo - given;
      given = upTo;
    }
  }

  get endTime(): number {
    return this.startTime + this.windows * WINDOW;
  }

  private planAttacks(opts: SimulationOptions): void {
    const picks = selectAttacks(opts.attacks ?? ['all'], opts.levels);
    const ctx = new AttackContext(this.estate, new Prng(`${this.seed}:plan`));
    // Attacks start after a warm-up (default a quarter of the run), so baseline-driven detectors have history.
    const warmup = opts.warmupHours === undefined
      ? Math.floor(this.windows * 0.25)
      : Math.min(this.windows - 1, Math.max(0, Math.round((opts.warmupHours * 3600) / WINDOW)));
    const span = Math.max(1, this.windows - warmup);
    picks.forEach((p, i) => {
      ctx.rng = new Prng(`${this.seed}:plan:${p.detector}:${p.variant}`);
      const build = CATALOG[p.detector](ctx)[p.variant];
      if (!build) throw new SimulationError(`no builder for ${p.detector}:${p.variant}`);
      const draft = build();
      const length = Math.min(draft.windows, span);
      const start = warmup + ctx.rng.int(span - length + 1);
      const id = `a${String(i + 1).padStart(2, '0')}-${p.detector}-${p.variant}`;
      this.attacks.push(new ScheduledAttack(id, draft, start, length, this.seed));
    });
  }

  /** Write every record to `sink`, in window order. Can run once per Simulation. */
  run(sink: FlowSink | PartedSink, onProgress?: (written: number) => void): void {
    if (this.ran) throw new SimulationError('a Simulation runs once; create a new one');
    this.ran = true;
    this.benign.reset();
    for (const a of this.attacks) a.reset();
    const parted = 'beginPart' in sink ? (sink as PartedSink) : undefined;
    const benignSink = new MarkingSink(sink, this.benignUsed);
    let written = 0;
    for (let w = 0; w < this.windows; w++) {
      const t0 = this.startTime + w * WINDOW;
      if (parted && w % this.partWindows === 0) parted.beginPart(this.partKey(w / this.partWindows, t0));
      written += this.benign.periodic(t0, benignSink);
      written += this.benign.load(t0, this.quotas[w] as number, benignSink);
      for (const a of this.attacks) written += a.window(w, t0, sink);
      if (onProgress && w % 30 === 29) onProgress(written);
    }
    onProgress?.(written);
    if (written !== this.counts.total) {
      throw new SimulationError(`internal: wrote ${written} records, planned ${this.counts.total}`);
    }
  }

  /** S3-style object key of an output part (`.log`; the writer may add `.gz`). */
  partKey(index: number, t0: number): string {
    const o = this.estate.opts;
    const d = new Date(t0 * 1000);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const y = d.getUTCFullYear();
    const stamp = `${y}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}T${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}Z`;
    const hash = hashString(`${this.seed}:${index}`).toString(16).padStart(8, '0');
    return `AWSLogs/${o.accountId}/vpcflowlogs/${o.region}/${y}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/` +
      `${o.accountId}_vpcflowlogs_${o.region}_fl-0${hashString(this.seed).toString(16).padStart(8, "0")}_${stamp}_${hash}.log`;
  }

  /** Ground truth: one line per attack plus one "noise" line for background probe sources. */
  groundTruth(): GroundTruthEntry[] {
    const out = this.attacks.map((a) => a.truth(this.estate));
    const noise = [...this.benign.noiseUsed].sort((a, b) => a - b).map((a) => this.estate.ip(a));
    if (noise.length) {
      out.push({
        id: 'noise-background-probes', kind: 'noise', detector: 'none', variant: 'internet-background', direction: 'inbound',
        actor: null, actors: noise,
        targets: [...this.estate.role('lb'), ...this.estate.role('bastion'), ...this.estate.role('nat')].map((h) => this.estate.ip(h.addr)),
        ports: [], protocol: 6, start: this.startTime, end: this.endTime, intensity: { level: 'low', sources: noise.length },
        mitre: ['T1595'], related: [], records: 0,
        description: 'internet background probes (1-3 SYNs per source, mostly REJECTed): neither attack nor benign',
      });
    }
    return out;
  }

  /**
   * Addresses benign traffic used, minus external attack entities and background-probe
   * sources: the population FP entities are counted against. Internal hosts that are
   * also attack actors or targets stay in it, since most of their traffic is benign.
   * Available after `run`.
   */
  benignEntities(): string[] {
    if (!this.ran) throw new SimulationError('benignEntities() is known after run()');
    const exclude = new Set<string>();
    for (const e of this.groundTruth()) {
      for (const ent of [e.actor, ...(e.actors ?? []), ...(e.kind === 'noise' ? [] : e.targets)]) {
        if (ent && !this.isInternal(ent)) exclude.add(ent);
      }
    }
    const out: string[] = [];
    this.benignUsed.forEach((used, id) => {
      const ip = this.estate.ip(id);
      if (used && !exclude.has(ip)) out.push(ip);
    });
    return out;
  }

  isInternal(ip: string): boolean {
    return inCidr(ipToInt(ip), this.estate.opts.vpcCidr);
  }

  manifest(): Record<string, unknown> {
    const e = this.estate;
    return {
      tool: 'flowguard simulate',
      manifestVersion: 1,
      seed: this.seed,
      records: this.counts.total,
      counts: { ...this.counts },
      format: this.format,
      logFormat: logFormatString(this.format),
      startTime: this.startTime,
      endTime: this.endTime,
      windowSeconds: WINDOW,
      estate: {
        accountId: e.opts.accountId, region: e.opts.region, vpcId: e.opts.vpcId, vpcCidr: e.opts.vpcCidr,
        hosts: e.hosts.map((h) => ({ name: h.name, role: h.role, ip: e.ip(h.addr), interfaceId: e.enis[h.eni]?.interfaceId })),
      },
      intel: e.intel,
      attacks: this.attacks.map((a) => a.id),
      firstAttackWindowStart: this.attacks.length ? this.startTime + Math.min(...this.attacks.map((a) => a.startWindow)) * WINDOW : null,
    };
  }
}
